(** Inverting the bounds (theory.inversion): ε_lb = ln((1 + (G−1)a − Gδ)/(1 − a)) is the ε at which the
    tight G-ary advantage bound (e^ε − 1 + Gδ)/(e^ε + G − 1) equals a; for G = 2 it inverts η.
    [inversion_lower_bound]: an adversary of an (ε, δ)-DP mechanism that reaches normalised advantage at least
    a (uniform prior) forces ε ≥ ε_lb(a, δ, G) — the empirical ε lower bound of the audit is sound;
    [eps_lb_monotone]: ε_lb is increasing in a. *)
Require Import Reals Lra Lia.
Require Import SensAware.Model SensAware.DpToTv SensAware.Advantage SensAware.TightGary.
Open Scope R_scope.

Definition gary_adv (eps delta G : R) : R := (exp eps - 1 + G * delta) / (exp eps + G - 1).
Definition eps_lb (a delta G : R) : R := ln ((1 + (G - 1) * a - G * delta) / (1 - a)).

Theorem inversion_round_trip : forall a delta G, 2 <= G -> a < 1 -> 0 <= delta < 1 ->
  0 < (1 + (G - 1) * a - G * delta) / (1 - a) ->
  gary_adv (eps_lb a delta G) delta G = a.
Proof.
  intros a delta G HG Ha Hd Hpos. unfold gary_adv, eps_lb. rewrite exp_ln by assumption.
  field. split; [lra|]. (* the second factor is G(1 − δ) > 0 *)
  replace (1 + (G - 1) * a - G * delta + G * (1 - a) - (1 - a)) with (G * (1 - delta)) by ring. nra.
Qed.

Theorem inversion_round_trip_back : forall eps delta G, 2 <= G -> 0 <= eps -> 0 <= delta < 1 ->
  eps_lb (gary_adv eps delta G) delta G = eps.
Proof.
  intros eps delta G HG He Hd. unfold eps_lb, gary_adv. pose proof (exp_ge_1 eps He).
  replace ((1 + (G - 1) * ((exp eps - 1 + G * delta) / (exp eps + G - 1)) - G * delta)
           / (1 - (exp eps - 1 + G * delta) / (exp eps + G - 1))) with (exp eps).
  - apply ln_exp.
  - field. split; [lra|].
    replace (exp eps + G - 1 - (exp eps - 1 + G * delta)) with (G * (1 - delta)) by ring. nra.
Qed.

(** The bound is increasing in ε, so ε_lb is the smallest ε consistent with advantage a. *)
Theorem gary_adv_monotone : forall e1 e2 delta G, 2 <= G -> 0 <= e1 <= e2 -> 0 <= delta <= 1 ->
  gary_adv e1 delta G <= gary_adv e2 delta G.
Proof.
  intros e1 e2 delta G HG He Hd. unfold gary_adv.
  pose proof (exp_ge_1 e1 (proj1 He)). assert (exp e1 <= exp e2).
  { destruct (proj2 He) as [Hlt|Heq]; [left; apply exp_increasing; assumption | subst; lra]. }
  apply (Rmult_le_reg_r ((exp e1 + G - 1) * (exp e2 + G - 1))); [nra|].
  replace ((exp e1 - 1 + G * delta) / (exp e1 + G - 1) * ((exp e1 + G - 1) * (exp e2 + G - 1)))
    with ((exp e1 - 1 + G * delta) * (exp e2 + G - 1)) by (field; lra).
  replace ((exp e2 - 1 + G * delta) / (exp e2 + G - 1) * ((exp e1 + G - 1) * (exp e2 + G - 1)))
    with ((exp e2 - 1 + G * delta) * (exp e1 + G - 1)) by (field; lra).
  assert (0 <= G * (1 - delta) * (exp e2 - exp e1)) by (apply Rmult_le_pos; [nra | lra]).
  nra.
Qed.

(** For G = 2 the tight bound is η, so the η inversion is the G = 2 case. *)
Theorem gary_adv_binary : forall eps delta, gary_adv eps delta 2 = eta eps delta.
Proof. intros. unfold gary_adv, eta. replace (exp eps + 2 - 1) with (exp eps + 1) by ring. reflexivity. Qed.

(** [gary_adv] is the normalised advantage of the tight G-ary success, not a separate formula. *)
Theorem gary_adv_is_advantage : forall eps delta G, 2 <= G ->
  advantage G (gary_success eps delta G) = gary_adv eps delta G.
Proof. intros. unfold advantage, gary_adv. apply tight_gary_advantage_form. assumption. Qed.

(** Strictly increasing in ε (any real ε) when δ < 1: this is what makes ε_lb a lower bound. *)
Theorem gary_adv_strict : forall e1 e2 delta G, 1 <= G -> delta < 1 -> e1 < e2 ->
  gary_adv e1 delta G < gary_adv e2 delta G.
Proof.
  intros e1 e2 delta G HG Hd He. unfold gary_adv.
  pose proof (exp_pos e1). pose proof (exp_increasing e1 e2 He).
  apply (Rmult_lt_reg_r ((exp e1 + G - 1) * (exp e2 + G - 1))); [nra|].
  replace ((exp e1 - 1 + G * delta) / (exp e1 + G - 1) * ((exp e1 + G - 1) * (exp e2 + G - 1)))
    with ((exp e1 - 1 + G * delta) * (exp e2 + G - 1)) by (field; lra).
  replace ((exp e2 - 1 + G * delta) / (exp e2 + G - 1) * ((exp e1 + G - 1) * (exp e2 + G - 1)))
    with ((exp e2 - 1 + G * delta) * (exp e1 + G - 1)) by (field; lra).
  assert (0 < G * (1 - delta) * (exp e2 - exp e1)) by (apply Rmult_lt_0_compat; [nra | lra]).
  nra.
Qed.

(** Every adversary of a pairwise (ε, δ)-DP mechanism has advantage at most the tight bound. *)
Theorem advantage_le_gary_adv : forall eps delta (N n : nat) (M A : nat -> nat -> R), (1 <= N)%nat ->
  mechanism M N n -> adversary A n N -> pairwise_dp eps delta M N n ->
  advantage (INR (S N)) (success (uniform N) M A N n) <= gary_adv eps delta (INR (S N)).
Proof.
  intros eps delta N n M A HN HM HA Hdp.
  assert (HG : 2 <= INR (S N)) by (replace 2 with (INR 2) by (simpl; ring); apply le_INR; lia).
  rewrite <- gary_adv_is_advantage by assumption.
  apply advantage_monotone; [assumption|]. apply tight_gary; assumption.
Qed.

(** The argument of ε_lb's logarithm, (1 + (G − 1)a − Gδ)/(1 − a), is increasing in a < 1 when δ ≤ 1: its
    derivative is G(1 − δ)/(1 − a)² ≥ 0. *)
Lemma eps_lb_arg_monotone : forall a1 a2 delta G, 1 <= G -> delta <= 1 -> a1 <= a2 -> a2 < 1 ->
  (1 + (G - 1) * a1 - G * delta) / (1 - a1) <= (1 + (G - 1) * a2 - G * delta) / (1 - a2).
Proof.
  intros a1 a2 delta G HG Hd Ha Ha2.
  apply (Rmult_le_reg_r ((1 - a1) * (1 - a2))); [nra|].
  replace ((1 + (G - 1) * a1 - G * delta) / (1 - a1) * ((1 - a1) * (1 - a2)))
    with ((1 + (G - 1) * a1 - G * delta) * (1 - a2)) by (field; lra).
  replace ((1 + (G - 1) * a2 - G * delta) / (1 - a2) * ((1 - a1) * (1 - a2)))
    with ((1 + (G - 1) * a2 - G * delta) * (1 - a1)) by (field; lra).
  assert (0 <= (a2 - a1) * (G * (1 - delta))) by (apply Rmult_le_pos; nra).
  nra.
Qed.

(** ε_lb is increasing in the advantage a (for a < 1, δ ≤ 1, where its logarithm's argument is positive). *)
Theorem eps_lb_monotone : forall a1 a2 delta G, 1 <= G -> delta <= 1 -> a1 <= a2 -> a2 < 1 ->
  0 < (1 + (G - 1) * a1 - G * delta) / (1 - a1) ->
  eps_lb a1 delta G <= eps_lb a2 delta G.
Proof.
  intros a1 a2 delta G HG Hd Ha Ha2 Hpos. unfold eps_lb.
  destruct (eps_lb_arg_monotone a1 a2 delta G HG Hd Ha Ha2) as [Hlt|Heq].
  - left. apply ln_increasing; assumption.
  - rewrite Heq. right. reflexivity.
Qed.

(** The inversion at the adversary's exact advantage: if an adversary of a pairwise (ε, δ)-DP mechanism has
    normalised advantage a under the uniform prior (a < 1, δ < 1, and the logarithm's argument positive), then
    ε ≥ ε_lb(a, δ, G). *)
Theorem inversion_lower_bound_exact : forall eps delta (N n : nat) (M A : nat -> nat -> R), (1 <= N)%nat ->
  mechanism M N n -> adversary A n N -> pairwise_dp eps delta M N n -> 0 <= delta < 1 ->
  let a := advantage (INR (S N)) (success (uniform N) M A N n) in
  a < 1 -> 0 < (1 + (INR (S N) - 1) * a - INR (S N) * delta) / (1 - a) ->
  eps_lb a delta (INR (S N)) <= eps.
Proof.
  intros eps delta N n M A HN HM HA Hdp Hd a Ha Hpos.
  assert (HG : 2 <= INR (S N)) by (replace 2 with (INR 2) by (simpl; ring); apply le_INR; lia).
  pose proof (advantage_le_gary_adv eps delta N n M A HN HM HA Hdp) as Hle. fold a in Hle.
  destruct (Rle_lt_dec (eps_lb a delta (INR (S N))) eps) as [H|H]; [assumption|].
  pose proof (gary_adv_strict eps (eps_lb a delta (INR (S N))) delta (INR (S N)) ltac:(lra) (proj2 Hd) H).
  rewrite inversion_round_trip in H0 by (try assumption; lra). lra.
Qed.

(** The inversion as a lower bound, in the form the audit uses: if an adversary of a pairwise (ε, δ)-DP
    mechanism reaches normalised advantage at least a under the uniform prior (a < 1, δ < 1, and the
    logarithm's argument positive), then ε ≥ ε_lb(a, δ, G). An audit that certifies advantage ≥ a (a lower
    confidence bound) so certifies ε ≥ ε_lb(a, δ, G): by [eps_lb_monotone], ε_lb(a) ≤ ε_lb(advantage) ≤ ε. *)
Theorem inversion_lower_bound : forall eps delta (N n : nat) (M A : nat -> nat -> R) a, (1 <= N)%nat ->
  mechanism M N n -> adversary A n N -> pairwise_dp eps delta M N n -> 0 <= delta < 1 ->
  a <= advantage (INR (S N)) (success (uniform N) M A N n) ->
  a < 1 -> 0 < (1 + (INR (S N) - 1) * a - INR (S N) * delta) / (1 - a) ->
  eps_lb a delta (INR (S N)) <= eps.
Proof.
  intros eps delta N n M A a HN HM HA Hdp Hd Hadv Ha Hpos.
  set (adv := advantage (INR (S N)) (success (uniform N) M A N n)) in *.
  assert (HG : 2 <= INR (S N)) by (replace 2 with (INR 2) by (simpl; ring); apply le_INR; lia).
  pose proof (advantage_le_gary_adv eps delta N n M A HN HM HA Hdp) as Hle. fold adv in Hle.
  (* the tight bound is < 1 when δ < 1, so the advantage is < 1 *)
  assert (Hg1 : gary_adv eps delta (INR (S N)) < 1).
  { unfold gary_adv. pose proof (exp_pos eps).
    assert (INR (S N) * delta < INR (S N) * 1) by (apply Rmult_lt_compat_l; lra).
    apply (Rmult_lt_reg_r (exp eps + INR (S N) - 1)); [lra|].
    unfold Rdiv. rewrite Rmult_assoc, Rinv_l, Rmult_1_r by lra. lra. }
  assert (Hadv1 : adv < 1) by lra.
  pose proof (eps_lb_arg_monotone a adv delta (INR (S N)) ltac:(lra) ltac:(lra) Hadv Hadv1).
  apply Rle_trans with (eps_lb adv delta (INR (S N))).
  - apply eps_lb_monotone; lra.
  - pose proof (inversion_lower_bound_exact eps delta N n M A HN HM HA Hdp Hd) as Hex. cbv zeta in Hex.
    fold adv in Hex. apply Hex; lra.
Qed.
