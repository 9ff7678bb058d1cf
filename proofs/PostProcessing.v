(** Result 1 — post-processing (theory.post_processing). A stochastic kernel [K] (a guard, or any
    randomised decision rule) never increases the total variation between two laws, keeps (ε, δ)-DP, and
    the SA game is the AI game post-processed by the guard: for every SA adversary [A] the AI adversary
    [A ∘ Guard] (here [compose K A]) has exactly the same success, so sup Succ_SA ≤ sup Succ_AI. *)
Require Import Reals Lra Lia.
Require Import SensAware.Sums SensAware.Model SensAware.DpToTv.
Open Scope R_scope.

Definition l1 (P Q : nat -> R) (n : nat) : R := sum_f_R0 (fun i => Rabs (P i - Q i)) n.

Theorem post_processing_l1 : forall (P Q : nat -> R) (K : nat -> nat -> R) (n m : nat),
  kernel K n m -> l1 (push P K n) (push Q K n) m <= l1 P Q n.
Proof.
  intros P Q K n m HK. unfold l1, push.
  apply Rle_trans with (sum_f_R0 (fun j => sum_f_R0 (fun i => Rabs (P i - Q i) * K i j) n) m).
  - apply sum_Rle. intros j Hj. rewrite <- minus_sum.
    eapply Rle_trans; [apply sum_f_R0_triangle|]. apply Req_le. apply sum_eq. intros i Hi.
    replace (P i * K i j - Q i * K i j) with ((P i - Q i) * K i j) by ring.
    rewrite Rabs_mult, (Rabs_right (K i j)); [reflexivity | apply Rle_ge, (proj1 (HK i Hi)); assumption].
  - rewrite <- (sum_swap (fun i j => Rabs (P i - Q i) * K i j)).
    apply Req_le. apply sum_eq. intros i Hi. rewrite sum_mult_l, (proj2 (HK i Hi)). ring.
Qed.

(** Data processing for total variation: TV(P K, Q K) ≤ TV(P, Q) for laws P, Q and any stochastic kernel K. *)
Theorem post_processing : forall (P Q : nat -> R) (K : nat -> nat -> R) (n m : nat),
  law P n -> law Q n -> kernel K n m -> tv (push P K n) (push Q K n) m <= tv P Q n.
Proof.
  intros P Q K n m HP HQ HK.
  pose proof (push_law P K n m HP HK) as [_ HPK]. pose proof (push_law Q K n m HQ HK) as [_ HQK].
  rewrite !tv_half_l1 by (rewrite ?HPK, ?HQK, ?(proj2 HP), ?(proj2 HQ); reflexivity).
  apply Rmult_le_compat_l; [lra|]. apply post_processing_l1; assumption.
Qed.

(** Data processing for differential privacy: (ε, δ)-DP between P and Q survives any stochastic kernel. *)
Theorem dp_post_processing : forall eps delta (P Q : nat -> R) (K : nat -> nat -> R) (n m : nat),
  kernel K n m -> dp_pair eps delta P Q n -> dp_pair eps delta (push P K n) (push Q K n) m.
Proof.
  intros eps delta P Q K n m HK Hdp S.
  assert (E : forall R0 : nat -> R, mass (push R0 K n) S m = expect R0 (fun i => mass (K i) S m) n).
  { intros R0. unfold mass, push, expect.
    transitivity (sum_f_R0 (fun j => sum_f_R0 (fun i => if S j then R0 i * K i j else 0) n) m).
    - apply sum_eq. intros j _. destruct (S j); [reflexivity|].
      rewrite sum_cte. ring.
    - rewrite <- (sum_swap (fun i j => if S j then R0 i * K i j else 0)). apply sum_eq. intros i _.
      rewrite <- sum_mult_l. apply sum_eq. intros j _. destruct (S j); ring. }
  assert (Hf : forall i, (i <= n)%nat -> 0 <= mass (K i) S m <= 1) by (intros i Hi; apply mass_range, HK, Hi).
  rewrite !E. split; apply dp_test; try assumption; intros T; destruct (Hdp T); tauto.
Qed.

(** The perfect guard (every output to one refusal symbol r) makes the guarded laws equal: TV = 0. *)
Theorem post_processing_refuse_all : forall (P Q : nat -> R) (n m r : nat),
  law P n -> law Q n -> (r <= m)%nat ->
  tv (push P (fun _ j => if Nat.eq_dec j r then 1 else 0) n)
     (push Q (fun _ j => if Nat.eq_dec j r then 1 else 0) n) m = 0.
Proof.
  intros P Q n m r [_ HP] [_ HQ] Hr. unfold tv, push.
  rewrite (sum_eq _ (fun _ => 0)).
  - rewrite sum_cte. ring.
  - intros j Hj. destruct (Nat.eq_dec j r).
    + rewrite (sum_eq (fun i => P i * 1) P) by (intros; ring).
      rewrite (sum_eq (fun i => Q i * 1) Q) by (intros; ring).
      rewrite HP, HQ. unfold Rmax. destruct (Rle_dec 0 (1 - 1)); lra.
    + rewrite (sum_eq (fun i => P i * 0) (fun _ => 0)) by (intros; ring).
      rewrite (sum_eq (fun i => Q i * 0) (fun _ => 0)) by (intros; ring).
      rewrite sum_cte. unfold Rmax. destruct (Rle_dec 0 (0 * INR (S n) - 0 * INR (S n))); lra.
Qed.

(** The identity guard changes nothing: the guarded laws are the laws themselves (so TV is kept). *)
Theorem post_processing_identity : forall (P : nat -> R) (n j : nat), (j <= n)%nat ->
  push P (fun i j => if Nat.eq_dec j i then 1 else 0) n j = P j.
Proof.
  intros P n j Hj. unfold push.
  rewrite (sum_eq _ (fun i => if Nat.eq_dec i j then P j else 0)).
  - apply sum_dirac. assumption.
  - intros i _. destruct (Nat.eq_dec j i), (Nat.eq_dec i j); subst; try lia; ring.
Qed.

(** The SA game: the adversary sees the guarded output, drawn from [guarded M K n g = push (M g) K n]. *)
Definition guarded (M K : nat -> nat -> R) (n : nat) : nat -> nat -> R := fun g => push (M g) K n.

Lemma guarded_mechanism : forall M K N n m, mechanism M N n -> kernel K n m -> mechanism (guarded M K n) N m.
Proof. intros M K N n m HM HK g Hg. apply push_law; [apply HM; assumption | assumption]. Qed.

(** SA is post-processing of AI: the SA adversary [A] facing the guard [K] and the AI adversary [A ∘ K]
    ([compose K A m]) facing the unguarded oracle have equal success, under every prior [w]. *)
Theorem sa_is_post_processing : forall (w : nat -> R) (M K A : nat -> nat -> R) (N n m : nat),
  success w (guarded M K n) A N m = success w M (compose K A m) N n.
Proof.
  intros w M K A N n m. unfold success. apply sum_eq. intros g _. f_equal.
  unfold compose, guarded, push.
  rewrite (sum_eq _ (fun j => sum_f_R0 (fun y => M g y * K y j * A j g) n)).
  - rewrite <- (sum_swap (fun y j => M g y * K y j * A j g)). apply sum_eq. intros y _.
    rewrite <- sum_mult_l. apply sum_eq. intros; ring.
  - intros j _. rewrite Rmult_comm, scal_sum. apply sum_eq. intros; ring.
Qed.

(** Hence sup Succ_SA ≤ sup Succ_AI: any bound on every AI adversary's success bounds every SA adversary's. *)
Theorem sa_le_ai : forall (w : nat -> R) (M K : nat -> nat -> R) (N n m : nat) (s : R),
  kernel K n m -> (forall A', adversary A' n N -> success w M A' N n <= s) ->
  forall A, adversary A m N -> success w (guarded M K n) A N m <= s.
Proof.
  intros w M K N n m s HK Hai A HA. rewrite sa_is_post_processing. apply Hai.
  apply compose_kernel; assumption.
Qed.
