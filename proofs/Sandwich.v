(** Results 2 and 5 — the correlation floor and the sandwich B ≤ Succ* ≤ B + (1 − B)·η, for any prior
    (theory.correlation_floor, theory.sandwich).

    The game with context: a joint law [J f g] of the context f ∈ {0..F} the adversary knows and the secret
    g ∈ {0..N}; in context f the mechanism's output law is [M f g] on {0..n}; the adversary is a kernel
    [A f] from outputs to guesses, one per context. B = Σ_f max_g J(f, g) is the Bayes success from the
    context alone, L = (G·B − 1)/(G − 1) its normalised form. *)
Require Import Reals Lra Lia.
Require Import SensAware.Sums SensAware.Model SensAware.DpToTv SensAware.Advantage.
Open Scope R_scope.

Definition joint_law (J : nat -> nat -> R) (F N : nat) : Prop :=
  (forall f g, (f <= F)%nat -> (g <= N)%nat -> 0 <= J f g) /\
  sum_f_R0 (fun f => sum_f_R0 (fun g => J f g) N) F = 1.

Definition success_ctx (J : nat -> nat -> R) (M A : nat -> nat -> nat -> R) (F N n : nat) : R :=
  sum_f_R0 (fun f => sum_f_R0 (fun g => J f g * compose (M f) (A f) n g g) N) F.

Definition bayes (J : nat -> nat -> R) (F N : nat) : R := sum_f_R0 (fun f => fmax (J f) N) F.
Definition floor (J : nat -> nat -> R) (F N : nat) : R := advantage (INR (S N)) (bayes J F N).

(** Lower side (result 2): whatever the mechanism, the adversary that ignores the output and guesses the
    most likely secret of its context succeeds with probability exactly B (advantage exactly L). *)
Definition guess_from_context (J : nat -> nat -> R) (N : nat) : nat -> nat -> nat -> R :=
  fun f _ h => if Nat.eq_dec h (argmax (J f) N) then 1 else 0.

Theorem correlation_floor_attained : forall J M F N n,
  (forall f, (f <= F)%nat -> mechanism (M f) N n) ->
  (forall f, (f <= F)%nat -> adversary (guess_from_context J N f) n N) /\
  success_ctx J M (guess_from_context J N) F N n = bayes J F N.
Proof.
  intros J M F N n HM. split.
  - intros f Hf y Hy. split.
    + intros h Hh. unfold guess_from_context. destruct (Nat.eq_dec _ _); lra.
    + unfold guess_from_context. apply sum_dirac, argmax_range.
  - unfold success_ctx, bayes. apply sum_eq. intros f Hf.
    set (s := argmax (J f) N). unfold fmax. fold s.
    rewrite (sum_eq _ (fun g => if Nat.eq_dec g s then J f s else 0)).
    + apply sum_dirac, argmax_range.
    + intros g Hg. unfold compose, guess_from_context. fold s.
      destruct (Nat.eq_dec g s) as [E|E].
      * subst g. rewrite (sum_eq _ (M f s)) by (intros; ring). rewrite (proj2 (HM f Hf s Hg)). ring.
      * rewrite (sum_eq _ (fun _ => 0)) by (intros; ring). rewrite sum_cte. ring.
Qed.

Theorem sandwich_lower : forall J M F N n,
  (forall f, (f <= F)%nat -> mechanism (M f) N n) ->
  exists A, (forall f, (f <= F)%nat -> adversary (A f) n N) /\
    advantage (INR (S N)) (success_ctx J M A F N n) = floor J F N.
Proof.
  intros J M F N n HM. exists (guess_from_context J N).
  destruct (correlation_floor_attained J M F N n HM) as [HA HS]. split; [assumption|].
  rewrite HS. reflexivity.
Qed.

(** The floor is in [0, 1]: 1/G ≤ B ≤ 1 (the maximum is at least the average and at most the sum). *)
Theorem correlation_floor_range : forall J F N, (1 <= N)%nat -> joint_law J F N ->
  / INR (S N) <= bayes J F N <= 1 /\ 0 <= floor J F N <= 1.
Proof.
  intros J F N HN [HJ Hsum]. pose proof (lt_0_INR (S N) ltac:(lia)) as HG.
  assert (HB : / INR (S N) <= bayes J F N <= 1).
  { unfold bayes. split.
    - replace (/ INR (S N)) with (/ INR (S N) * sum_f_R0 (fun f => sum_f_R0 (fun g => J f g) N) F)
        by (rewrite Hsum; ring).
      rewrite <- sum_mult_l. apply sum_Rle. intros f Hf.
      assert (sum_f_R0 (fun g => J f g) N <= sum_f_R0 (fun _ => fmax (J f) N) N)
        by (apply sum_Rle; intros; apply fmax_ge; assumption).
      rewrite sum_cte in H. apply (Rmult_le_reg_l (INR (S N))); [assumption|].
      replace (INR (S N) * (/ INR (S N) * sum_f_R0 (fun g => J f g) N)) with (sum_f_R0 (fun g => J f g) N)
        by (field; lra). lra.
    - rewrite <- Hsum. apply sum_Rle. intros f Hf. unfold fmax.
      apply sum_term_le; [apply argmax_range | intros; apply HJ; assumption]. }
  split; [assumption|]. unfold floor, advantage. rewrite S_INR in *.
  assert (1 <= INR N) by (replace 1 with (INR 1) by reflexivity; apply le_INR; assumption).
  replace (INR N + 1 - 1) with (INR N) by ring.
  assert (1 / (INR N + 1) <= bayes J F N) by (unfold Rdiv; lra).
  split.
  - apply div_nonneg; [| lra].
    assert (Hm : (INR N + 1) * / (INR N + 1) <= (INR N + 1) * bayes J F N) by (apply Rmult_le_compat_l; lra).
    rewrite Rinv_r in Hm by lra. lra.
  - apply (Rmult_le_reg_r (INR N)); [lra|]. unfold Rdiv. rewrite Rmult_assoc, Rinv_l by lra. nra.
Qed.

(** Upper side (result 5): if in every context the output laws are pairwise within η in total variation,
    every randomised adversary succeeds with probability at most B + (1 − B)·η. *)
Theorem sandwich_upper : forall (eta : R) J M A F N n,
  joint_law J F N ->
  (forall f, (f <= F)%nat -> mechanism (M f) N n) ->
  (forall f, (f <= F)%nat -> adversary (A f) n N) ->
  (forall f g h, (f <= F)%nat -> (g <= N)%nat -> (h <= N)%nat -> tv (M f g) (M f h) n <= eta) ->
  success_ctx J M A F N n <= bayes J F N + (1 - bayes J F N) * eta.
Proof.
  intros eta J M A F N n [HJ Hsum] HM HA Htv.
  (* per context: Σ_g J f g C g g ≤ B_f + (m_f − B_f)·η, with s the context's most likely secret *)
  assert (Hctx : forall f, (f <= F)%nat ->
            sum_f_R0 (fun g => J f g * compose (M f) (A f) n g g) N
            <= fmax (J f) N + (sum_f_R0 (fun g => J f g) N - fmax (J f) N) * eta).
  { intros f Hf. set (s := argmax (J f) N). set (C := compose (M f) (A f) n).
    assert (Hs : (s <= N)%nat) by apply argmax_range.
    assert (HC : kernel C N N) by (apply confusion_law; [apply HM | apply HA]; assumption).
    apply Rle_trans with (sum_f_R0 (fun g => J f s * C s g + (if Nat.eq_dec g s then 0 else J f g * eta)) N).
    - apply sum_Rle. intros g Hg.
      pose proof (HJ f g Hf Hg). pose proof (fmax_ge (J f) N g Hg) as Hmax. unfold fmax in Hmax. fold s in Hmax.
      pose proof (proj1 (HC s Hs) g Hg).
      destruct (Nat.eq_dec g s) as [E|E]; [subst g; lra|].
      assert (C g g - C s g <= eta).
      { apply Rle_trans with (tv (M f g) (M f s) n); [| apply Htv; assumption].
        unfold C. rewrite !confusion_expect. apply tv_test. intros y Hy.
        apply law_le_1 with N; [apply HA; assumption | assumption]. }
      nra.
    - rewrite plus_sum, sum_mult_l, (proj2 (HC s Hs)), sum_except by assumption.
      rewrite <- (scal_sum (fun g => J f g)). unfold fmax. fold s. lra. }
  unfold success_ctx, bayes.
  apply Rle_trans with (sum_f_R0 (fun f => fmax (J f) N + (sum_f_R0 (fun g => J f g) N - fmax (J f) N) * eta) F);
    [apply sum_Rle; assumption|].
  rewrite plus_sum. rewrite <- (scal_sum (fun f => sum_f_R0 (fun g => J f g) N - fmax (J f) N)).
  rewrite minus_sum, Hsum. lra.
Qed.

(** In advantage form: L ≤ Adv* (attained, [sandwich_lower]) and Adv ≤ L + (1 − L)·η for every adversary. *)
Theorem sandwich_advantage_form : forall G Bs eta, 2 <= G ->
  (G * (Bs + (1 - Bs) * eta) - 1) / (G - 1) =
  (G * Bs - 1) / (G - 1) + (1 - (G * Bs - 1) / (G - 1)) * eta.
Proof. intros. field. lra. Qed.

Theorem sandwich_upper_advantage : forall (eta : R) J M A F N n, (1 <= N)%nat ->
  joint_law J F N ->
  (forall f, (f <= F)%nat -> mechanism (M f) N n) ->
  (forall f, (f <= F)%nat -> adversary (A f) n N) ->
  (forall f g h, (f <= F)%nat -> (g <= N)%nat -> (h <= N)%nat -> tv (M f g) (M f h) n <= eta) ->
  advantage (INR (S N)) (success_ctx J M A F N n) <= floor J F N + (1 - floor J F N) * eta.
Proof.
  intros eta J M A F N n HN HJ HM HA Htv.
  assert (HG : 2 <= INR (S N)) by (replace 2 with (INR 2) by (simpl; ring); apply le_INR; lia).
  unfold floor, advantage. rewrite <- sandwich_advantage_form by assumption.
  apply advantage_monotone; [assumption|]. apply sandwich_upper; assumption.
Qed.

(** With pairwise (ε, δ)-DP in every context, η is η(ε, δ) of result 3. *)
Theorem sandwich_dp : forall eps delta J M A F N n,
  joint_law J F N ->
  (forall f, (f <= F)%nat -> mechanism (M f) N n) ->
  (forall f, (f <= F)%nat -> adversary (A f) n N) ->
  (forall f, (f <= F)%nat -> pairwise_dp eps delta (M f) N n) ->
  success_ctx J M A F N n <= bayes J F N + (1 - bayes J F N) * eta eps delta.
Proof.
  intros eps delta J M A F N n HJ HM HA Hdp. apply sandwich_upper; try assumption.
  intros f g h Hf Hg Hh. apply dp_to_tv; [apply HM | apply HM | apply Hdp]; assumption.
Qed.

(** The sandwich in advantage form with η(ε, δ), both sides in one statement: under pairwise (ε, δ)-DP in every
    context, some adversary attains the floor L, and every adversary's advantage is at most L + (1 − L)·η(ε, δ). *)
Theorem sandwich_dp_advantage : forall eps delta J M F N n, (1 <= N)%nat ->
  joint_law J F N ->
  (forall f, (f <= F)%nat -> mechanism (M f) N n) ->
  (forall f, (f <= F)%nat -> pairwise_dp eps delta (M f) N n) ->
  (exists A, (forall f, (f <= F)%nat -> adversary (A f) n N) /\
     advantage (INR (S N)) (success_ctx J M A F N n) = floor J F N) /\
  (forall A : nat -> nat -> nat -> R, (forall f, (f <= F)%nat -> adversary (A f) n N) ->
     advantage (INR (S N)) (success_ctx J M A F N n) <= floor J F N + (1 - floor J F N) * eta eps delta).
Proof.
  intros eps delta J M F N n HN HJ HM Hdp. split; [apply sandwich_lower; assumption|].
  intros A HA. apply sandwich_upper_advantage; try assumption.
  intros f g h Hf Hg Hh. apply dp_to_tv; [apply HM | apply HM | apply Hdp]; assumption.
Qed.
