(** Inverting the bounds (theory.inversion): ε_lb = ln((1 + (G−1)a − Gδ)/(1 − a)) is the ε at which the
    tight G-ary advantage bound (e^ε − 1 + Gδ)/(e^ε + G − 1) equals a; for G = 2 it inverts η. *)
Require Import Reals Lra.
Require Import SensAware.DpToTv.
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
