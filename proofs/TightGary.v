(** Result 6 — the tight G-ary bound (theory.tight_gary). G = N + 1 secret values, uniform prior.

    Upper bound ([tight_gary]): if the mechanism's output laws are pairwise (ε, δ)-DP, every randomised
    adversary succeeds with probability at most (e^ε + (G − 1)δ)/(e^ε + G − 1).
    Attainment ([tight_gary_attained]): G-ary randomised response mixed with δ ([rr]) is pairwise
    (ε, δ)-DP and the adversary that repeats the output succeeds with exactly that probability, so the
    bound is the optimal success over all (ε, δ)-DP mechanisms ([tight_gary_optimum]). *)
Require Import Reals Lra Lia.
Require Import SensAware.Sums SensAware.Model SensAware.DpToTv.
Open Scope R_scope.

Definition gary_success (eps delta G : R) : R := (exp eps + (G - 1) * delta) / (exp eps + G - 1).

(** The counting argument on a confusion matrix [C g h] (rows sum to 1) with [C g g ≤ e^ε C k g + δ]:
    sum the constraint over k ≠ g, then over g; the columns add up to G. *)
Lemma gary_confusion_bound : forall eps delta (N : nat) (C : nat -> nat -> R),
  (forall g, (g <= N)%nat -> sum_f_R0 (fun h => C g h) N = 1) ->
  (forall g k, (g <= N)%nat -> (k <= N)%nat -> C g g <= exp eps * C k g + delta) ->
  sum_f_R0 (fun g => C g g) N / INR (S N) <= gary_success eps delta (INR (S N)).
Proof.
  intros eps delta N C Hrow Hdp.
  set (col := fun g => sum_f_R0 (fun k => C k g) N).
  assert (Hper : forall g, (g <= N)%nat -> INR N * C g g <= exp eps * (col g - C g g) + INR N * delta).
  { intros g Hg.
    assert (H : sum_f_R0 (fun k => if Nat.eq_dec k g then 0 else C g g) N
                <= sum_f_R0 (fun k => if Nat.eq_dec k g then 0 else exp eps * C k g + delta) N).
    { apply sum_Rle. intros k Hk. destruct (Nat.eq_dec k g); [lra | apply Hdp; assumption]. }
    rewrite !sum_except in H by assumption. rewrite plus_sum, sum_mult_l, !sum_cte, S_INR in H.
    unfold col. lra. }
  assert (Hcols : sum_f_R0 col N = INR (S N)).
  { unfold col. rewrite (sum_swap (fun g k => C k g) N N), (sum_eq _ (fun _ => 1)).
    - rewrite sum_cte. ring.
    - intros k Hk. apply Hrow. assumption. }
  set (X := sum_f_R0 (fun g => C g g) N).
  assert (H : sum_f_R0 (fun g => INR N * C g g) N
              <= sum_f_R0 (fun g => exp eps * (col g - C g g) + INR N * delta) N)
    by (apply sum_Rle; intros; apply Hper; assumption).
  rewrite sum_mult_l, plus_sum, sum_mult_l, minus_sum, sum_cte, Hcols in H. fold X in H.
  pose proof (exp_pos eps) as He. pose proof (pos_INR N) as HN. rewrite S_INR in *.
  unfold gary_success. replace (INR N + 1 - 1) with (INR N) by ring.
  apply (Rmult_le_reg_r ((INR N + 1) * (exp eps + INR N))); [nra|].
  replace (X / (INR N + 1) * ((INR N + 1) * (exp eps + INR N))) with (X * (exp eps + INR N)) by (field; lra).
  replace ((exp eps + INR N * delta) / (exp eps + (INR N + 1) - 1) * ((INR N + 1) * (exp eps + INR N)))
    with ((exp eps + INR N * delta) * (INR N + 1)) by (field; lra).
  nra.
Qed.

(** Under the uniform prior, success is the confusion matrix's trace over G. *)
Lemma success_uniform : forall M A N n,
  success (uniform N) M A N n = sum_f_R0 (fun g => compose M A n g g) N / INR (S N).
Proof. intros. unfold success, uniform, Rdiv. rewrite (Rmult_comm (sum_f_R0 _ N)), <- sum_mult_l. apply sum_eq. intros; ring. Qed.

(** The G-ary upper bound on the game: pairwise (ε, δ)-DP output laws, any randomised adversary,
    uniform prior over G = N + 1 values. *)
Theorem tight_gary : forall eps delta (N n : nat) (M A : nat -> nat -> R),
  mechanism M N n -> adversary A n N -> pairwise_dp eps delta M N n ->
  success (uniform N) M A N n <= gary_success eps delta (INR (S N)).
Proof.
  intros eps delta N n M A HM HA Hdp. rewrite success_uniform. apply gary_confusion_bound.
  - intros g Hg. apply (confusion_law M A N n HM HA g Hg).
  - intros g k Hg Hk. rewrite !confusion_expect. apply dp_test.
    + apply Hdp; assumption.
    + intros y Hy. apply law_le_1 with N; [apply HA; assumption | assumption].
Qed.

(** The witness: G-ary randomised response mixed with δ. Secret g is output as itself with probability
    δ + e^ε·b and as each other value with probability b = (1 − δ)/(e^ε + G − 1). *)
Definition rr_base (eps delta : R) (N : nat) : R := (1 - delta) / (exp eps + INR N).
Definition rr (eps delta : R) (N : nat) : nat -> nat -> R :=
  fun g y => if Nat.eq_dec y g then delta + exp eps * rr_base eps delta N else rr_base eps delta N.
(** The adversary that repeats the output. *)
Definition repeat_output : nat -> nat -> R := fun y h => if Nat.eq_dec h y then 1 else 0.

Lemma rr_base_facts : forall eps delta N, 0 <= eps -> 0 <= delta <= 1 ->
  0 <= rr_base eps delta N /\ delta + (exp eps + INR N) * rr_base eps delta N = 1.
Proof.
  intros eps delta N He Hd. pose proof (exp_ge_1 eps He). pose proof (pos_INR N). unfold rr_base. split.
  - apply div_nonneg; lra.
  - field. lra.
Qed.

Theorem rr_mechanism : forall eps delta N, 0 <= eps -> 0 <= delta <= 1 -> mechanism (rr eps delta N) N N.
Proof.
  intros eps delta N He Hd g Hg. destruct (rr_base_facts eps delta N He Hd) as [Hb Hs].
  pose proof (exp_ge_1 eps He). split.
  - intros y Hy. unfold rr. destruct (Nat.eq_dec y g); nra.
  - unfold rr. rewrite sum_one_hot by assumption. lra.
Qed.

Lemma repeat_output_adversary : forall N, adversary repeat_output N N.
Proof.
  intros N y Hy. split.
  - intros h Hh. unfold repeat_output. destruct (Nat.eq_dec h y); lra.
  - unfold repeat_output. apply sum_dirac. assumption.
Qed.

Theorem rr_dp : forall eps delta N, 0 <= eps -> 0 <= delta <= 1 -> pairwise_dp eps delta (rr eps delta N) N N.
Proof.
  intros eps delta N He Hd.
  destruct (rr_base_facts eps delta N He Hd) as [Hb _]. pose proof (exp_ge_1 eps He).
  set (b := rr_base eps delta N) in *. set (e := exp eps) in *.
  (* the hockey-stick divergence Σ_y max(0, rr g y − e^ε rr h y) is at most δ *)
  assert (Hhs : forall g h, (g <= N)%nat ->
            sum_f_R0 (fun y => Rmax 0 (rr eps delta N g y - exp eps * rr eps delta N h y)) N <= delta).
  { intros g h Hg. apply Rle_trans with (sum_f_R0 (fun y => if Nat.eq_dec y g then delta else 0) N);
      [| rewrite sum_dirac by assumption; lra].
    apply sum_Rle. intros y Hy.
    assert (Hlow : b <= rr eps delta N h y) by (unfold rr; fold b e; destruct (Nat.eq_dec y h); nra).
    unfold rr at 1. fold b e. destruct (Nat.eq_dec y g).
    + apply Rmax_lub; [lra|]. nra.
    + rewrite Rmax_left; [lra|]. nra. }
  intros g h Hg Hh S. split; apply hockey_stick_dp; apply Hhs; assumption.
Qed.

Theorem rr_success : forall eps delta N, 0 <= eps -> 0 <= delta <= 1 ->
  success (uniform N) (rr eps delta N) repeat_output N N = gary_success eps delta (INR (S N)).
Proof.
  intros eps delta N He Hd. destruct (rr_base_facts eps delta N He Hd) as [Hb Hs].
  pose proof (exp_ge_1 eps He). pose proof (pos_INR N).
  rewrite success_uniform.
  rewrite (sum_eq _ (fun _ => delta + exp eps * rr_base eps delta N)).
  - rewrite sum_cte. unfold gary_success. rewrite S_INR. unfold rr_base in *. field. lra.
  - intros g Hg. unfold compose, repeat_output.
    rewrite (sum_eq _ (fun y => if Nat.eq_dec y g then rr eps delta N g g else 0)).
    + rewrite sum_dirac by assumption. unfold rr. destruct (Nat.eq_dec g g); [reflexivity | contradiction].
    + intros y _. destruct (Nat.eq_dec g y), (Nat.eq_dec y g); subst; try lia; ring.
Qed.

(** Attainment: an explicit pairwise (ε, δ)-DP mechanism and adversary whose success is the bound. *)
Theorem tight_gary_attained : forall eps delta N, 0 <= eps -> 0 <= delta <= 1 ->
  exists (M A : nat -> nat -> R), mechanism M N N /\ pairwise_dp eps delta M N N /\ adversary A N N /\
    success (uniform N) M A N N = gary_success eps delta (INR (S N)).
Proof.
  intros eps delta N He Hd. exists (rr eps delta N), repeat_output.
  split; [apply rr_mechanism | split; [apply rr_dp | split; [apply repeat_output_adversary | apply rr_success]]];
    assumption.
Qed.

(** Together: the bound is the optimal success. For the RR mechanism no adversary does better than the bound
    (by [tight_gary]) and the repeating adversary reaches it. *)
Theorem tight_gary_optimum : forall eps delta N, 0 <= eps -> 0 <= delta <= 1 ->
  (forall A, adversary A N N -> success (uniform N) (rr eps delta N) A N N <= gary_success eps delta (INR (S N))) /\
  success (uniform N) (rr eps delta N) repeat_output N N = gary_success eps delta (INR (S N)).
Proof.
  intros eps delta N He Hd. split.
  - intros A HA. apply tight_gary; [apply rr_mechanism | | apply rr_dp]; assumption.
  - apply rr_success; assumption.
Qed.

(** G = 2 gives η (result 3), and in advantage form (e^ε − 1 + Gδ)/(e^ε + G − 1). *)
Theorem tight_gary_binary_is_eta : forall eps delta, 2 * gary_success eps delta 2 - 1 = eta eps delta.
Proof. intros. unfold gary_success, eta. pose proof (exp_pos eps). field. lra. Qed.

Theorem tight_gary_advantage_form : forall eps delta G, 2 <= G ->
  (G * gary_success eps delta G - 1) / (G - 1) = (exp eps - 1 + G * delta) / (exp eps + G - 1).
Proof. intros. unfold gary_success. pose proof (exp_pos eps). field. split; lra. Qed.
