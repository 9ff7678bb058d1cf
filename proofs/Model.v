(** A small formal model of the games (theory.games), over finite spaces [{0..n}] (an index [i <= n]).

    - a law on [{0..n}]: [P : nat -> R], non-negative on [0..n], summing to 1 ([law]);
    - an event: [S : nat -> bool]; its probability [mass P S n];
    - a stochastic kernel [K] from [{0..n}] to [{0..m}]: every row [K i] is a law ([kernel]); [push P K n]
      is the law of the output of [K] on an input drawn from [P]; [compose K L m] runs [K] then [L];
    - a mechanism: secrets [{0..N}], outputs [{0..n}], one output law [M g] per secret value [g]
      ([mechanism M N n], a kernel from secrets to outputs);
    - a randomised adversary: a kernel [A] from outputs to guesses, [A y h] the probability of guessing [h]
      after seeing [y] ([adversary A n N]); deterministic decision rules are the 0/1 kernels;
    - the success under a prior [w]: [success w M A N n = Σ_g w g · Pr(A guesses g | secret g)];
    - (ε, δ)-DP between two laws: [P(S) ≤ e^ε Q(S) + δ] and [Q(S) ≤ e^ε P(S) + δ] for every event [S]
      ([dp_pair]); pairwise between every two secret values ([pairwise_dp]);
    - total variation [tv P Q n = Σ_i max(0, P i − Q i)] (half the L1 distance for laws, [DpToTv.tv_half_l1]). *)
Require Import Reals Lra Lia.
Require Import SensAware.Sums.
Open Scope R_scope.

Definition law (P : nat -> R) (n : nat) : Prop := (forall i, (i <= n)%nat -> 0 <= P i) /\ sum_f_R0 P n = 1.
Definition event := nat -> bool.
Definition mass (P : nat -> R) (S : event) (n : nat) : R := sum_f_R0 (fun i => if S i then P i else 0) n.
Definition expect (P f : nat -> R) (n : nat) : R := sum_f_R0 (fun i => P i * f i) n.
Definition tv (P Q : nat -> R) (n : nat) : R := sum_f_R0 (fun i => Rmax 0 (P i - Q i)) n.
Definition dp_pair (eps delta : R) (P Q : nat -> R) (n : nat) : Prop :=
  forall S : event, mass P S n <= exp eps * mass Q S n + delta /\ mass Q S n <= exp eps * mass P S n + delta.

Definition kernel (K : nat -> nat -> R) (n m : nat) : Prop := forall i, (i <= n)%nat -> law (K i) m.
Definition push (P : nat -> R) (K : nat -> nat -> R) (n : nat) : nat -> R :=
  fun j => sum_f_R0 (fun i => P i * K i j) n.
Definition compose (K L : nat -> nat -> R) (m : nat) : nat -> nat -> R :=
  fun i k => sum_f_R0 (fun j => K i j * L j k) m.

Definition mechanism (M : nat -> nat -> R) (N n : nat) : Prop := kernel M N n.
Definition adversary (A : nat -> nat -> R) (n N : nat) : Prop := kernel A n N.
Definition uniform (N : nat) : nat -> R := fun _ => / INR (S N).
Definition success (w : nat -> R) (M A : nat -> nat -> R) (N n : nat) : R :=
  sum_f_R0 (fun g => w g * compose M A n g g) N.
Definition pairwise_dp (eps delta : R) (M : nat -> nat -> R) (N n : nat) : Prop :=
  forall g h, (g <= N)%nat -> (h <= N)%nat -> dp_pair eps delta (M g) (M h) n.

(** Basic facts. *)
Lemma law_le_1 : forall P n i, law P n -> (i <= n)%nat -> 0 <= P i <= 1.
Proof.
  intros P n i [Hp Hs] Hi. split; [apply Hp; assumption|]. rewrite <- Hs. apply sum_term_le; assumption.
Qed.

Lemma uniform_law : forall N, law (uniform N) N.
Proof.
  intros N. pose proof (lt_0_INR (S N) ltac:(lia)). unfold uniform. split.
  - intros. left. apply Rinv_0_lt_compat. assumption.
  - rewrite sum_cte. field. lra.
Qed.

Lemma mass_compl : forall P S n, sum_f_R0 P n = 1 -> mass P (fun i => negb (S i)) n = 1 - mass P S n.
Proof.
  intros P S n H. unfold mass. rewrite <- H, <- minus_sum. apply sum_eq. intros i _. destruct (S i); simpl; ring.
Qed.

Lemma mass_range : forall P S n, law P n -> 0 <= mass P S n <= 1.
Proof.
  intros P S n HP. pose proof (mass_compl P S n (proj2 HP)) as E.
  assert (forall T, 0 <= mass P T n).
  { intros T. apply sum_nonneg. intros i Hi. destruct (T i); [apply (proj1 HP); assumption | lra]. }
  pose proof (H S). pose proof (H (fun i => negb (S i))). lra.
Qed.

Lemma push_law : forall P K n m, law P n -> kernel K n m -> law (push P K n) m.
Proof.
  intros P K n m [HP HPs] HK. split.
  - intros j Hj. unfold push. apply sum_nonneg. intros i Hi.
    apply Rmult_le_pos; [apply HP; assumption | apply (proj1 (HK i Hi)); assumption].
  - unfold push. rewrite <- (sum_swap (fun i j => P i * K i j)), <- HPs. apply sum_eq. intros i Hi.
    rewrite sum_mult_l, (proj2 (HK i Hi)). ring.
Qed.

Lemma compose_kernel : forall K L n m k, kernel K n m -> kernel L m k -> kernel (compose K L m) n k.
Proof. intros K L n m k HK HL i Hi. apply (push_law (K i) L m k); [apply HK; assumption | assumption]. Qed.

(** Randomised tests: (ε, δ)-DP over events extends to every test [f] with values in [0, 1]
    (the probability that a randomised decision rule says yes). *)
Theorem dp_test : forall eps delta P Q n (f : nat -> R),
  dp_pair eps delta P Q n -> (forall i, (i <= n)%nat -> 0 <= f i <= 1) ->
  expect P f n <= exp eps * expect Q f n + delta.
Proof.
  intros eps delta P Q n f Hdp Hf.
  set (S := fun i => if Rlt_dec (exp eps * Q i) (P i) then true else false).
  destruct (Hdp S) as [H _].
  assert (E : mass P S n - exp eps * mass Q S n
              = sum_f_R0 (fun i => if S i then P i - exp eps * Q i else 0) n).
  { unfold mass. rewrite <- sum_mult_l, <- minus_sum. apply sum_eq. intros i _. destruct (S i); ring. }
  assert (expect P f n - exp eps * expect Q f n
          <= sum_f_R0 (fun i => if S i then P i - exp eps * Q i else 0) n).
  { unfold expect. rewrite <- sum_mult_l, <- minus_sum. apply sum_Rle. intros i Hi.
    pose proof (Hf i Hi). unfold S. destruct (Rlt_dec (exp eps * Q i) (P i)); nra. }
  lra.
Qed.

(** The same for total variation: [E_P f − E_Q f ≤ TV(P, Q)] for every test [f] with values in [0, 1]. *)
Theorem tv_test : forall P Q n (f : nat -> R),
  (forall i, (i <= n)%nat -> 0 <= f i <= 1) -> expect P f n - expect Q f n <= tv P Q n.
Proof.
  intros P Q n f Hf. unfold expect, tv. rewrite <- minus_sum. apply sum_Rle. intros i Hi.
  pose proof (Hf i Hi). pose proof (Rmax_l 0 (P i - Q i)). pose proof (Rmax_r 0 (P i - Q i)). nra.
Qed.

(** The confusion matrix of a mechanism and an adversary: row [g] is the law of the guess given secret [g]. *)
Lemma confusion_law : forall M A N n, mechanism M N n -> adversary A n N -> kernel (compose M A n) N N.
Proof. intros M A N n HM HA. apply compose_kernel; assumption. Qed.

Lemma confusion_expect : forall M A n g h, compose M A n g h = expect (M g) (fun y => A y h) n.
Proof. reflexivity. Qed.

(** The event gap is at most the total variation: [P(S) − Q(S) ≤ TV(P, Q)] for every event [S]. *)
Theorem event_gap_le_tv : forall P Q n (S : event), mass P S n - mass Q S n <= tv P Q n.
Proof.
  intros P Q n S.
  assert (E : forall R0, mass R0 S n = expect R0 (fun i => if S i then 1 else 0) n).
  { intros R0. unfold mass, expect. apply sum_eq. intros i _. destruct (S i); ring. }
  rewrite !E. apply tv_test. intros i _. destruct (S i); lra.
Qed.
