(** Result 3 — DP ⇒ TV: (ε, δ)-indistinguishable laws are η(ε, δ)-close in total variation,
    η(ε, δ) = (e^ε − 1 + 2δ)/(e^ε + 1), tightly (theory.dp_to_tv). *)
Require Import Reals Lra Lia.
Require Import SensAware.Sums SensAware.Model.
Open Scope R_scope.

Definition eta (eps delta : R) : R := (exp eps - 1 + 2 * delta) / (exp eps + 1).

Lemma div_nonneg : forall a b, 0 <= a -> 0 < b -> 0 <= a / b.
Proof. intros a b Ha Hb. unfold Rdiv. apply Rmult_le_pos; [assumption | left; apply Rinv_0_lt_compat; assumption]. Qed.

Lemma exp_ge_1 : forall eps, 0 <= eps -> 1 <= exp eps.
Proof. intros eps H. rewrite <- exp_0. destruct H; [left; apply exp_increasing; assumption | subst; lra]. Qed.

(** The set form: from P(S) ≤ e^ε Q(S) + δ and Q(Sᶜ) ≤ e^ε P(Sᶜ) + δ, P(S) − Q(S) ≤ η. *)
Theorem dp_to_tv_set : forall eps delta p q,
  p <= exp eps * q + delta -> 1 - q <= exp eps * (1 - p) + delta ->
  p - q <= eta eps delta.
Proof.
  intros eps delta p q H1 H2. unfold eta. pose proof (exp_pos eps) as He.
  apply (Rmult_le_reg_r (exp eps + 1)); [lra|].
  replace ((exp eps - 1 + 2 * delta) / (exp eps + 1) * (exp eps + 1)) with (exp eps - 1 + 2 * delta) by (field; lra).
  nra.
Qed.

(** TV as the mass difference on S* = {P > Q}. *)
Lemma tv_as_mass : forall P Q n,
  tv P Q n = mass P (fun i => if Rlt_dec (Q i) (P i) then true else false) n
           - mass Q (fun i => if Rlt_dec (Q i) (P i) then true else false) n.
Proof.
  intros P Q n. unfold tv, mass. rewrite <- minus_sum. apply sum_eq. intros i _.
  destruct (Rlt_dec (Q i) (P i)).
  - rewrite Rmax_right; lra.
  - rewrite Rmax_left; lra.
Qed.

(** TV is also half the L1 distance. *)
Lemma tv_half_l1 : forall P Q n, sum_f_R0 P n = sum_f_R0 Q n ->
  tv P Q n = / 2 * sum_f_R0 (fun i => Rabs (P i - Q i)) n.
Proof.
  intros P Q n Hs.
  assert (E : sum_f_R0 (fun i => Rabs (P i - Q i)) n
              = 2 * tv P Q n - sum_f_R0 (fun i => P i - Q i) n).
  { unfold tv. rewrite <- sum_mult_l, <- minus_sum. apply sum_eq. intros i _.
    unfold Rmax, Rabs. destruct (Rle_dec 0 (P i - Q i)); destruct (Rcase_abs (P i - Q i)); lra. }
  rewrite E, minus_sum, Hs. field.
Qed.

(** Result 3 on finite spaces: pairwise (ε, δ)-DP laws have TV ≤ η(ε, δ). *)
Theorem dp_to_tv : forall eps delta P Q n,
  law P n -> law Q n -> dp_pair eps delta P Q n -> tv P Q n <= eta eps delta.
Proof.
  intros eps delta P Q n [_ HP] [_ HQ] Hdp.
  set (S := fun i => if Rlt_dec (Q i) (P i) then true else false).
  rewrite tv_as_mass. fold S.
  destruct (Hdp S) as [H1 _]. destruct (Hdp (fun i => negb (S i))) as [_ H2].
  rewrite !mass_compl in H2 by assumption.
  apply dp_to_tv_set; assumption.
Qed.

(** A hockey-stick divergence ≤ δ gives the set form of DP. *)
Lemma hockey_stick_dp : forall eps delta P Q n,
  sum_f_R0 (fun i => Rmax 0 (P i - exp eps * Q i)) n <= delta ->
  forall S, mass P S n <= exp eps * mass Q S n + delta.
Proof.
  intros eps delta P Q n H S. unfold mass. rewrite <- sum_mult_l.
  assert (sum_f_R0 (fun i => if S i then P i else 0) n - sum_f_R0 (fun i => exp eps * (if S i then Q i else 0)) n
          <= sum_f_R0 (fun i => Rmax 0 (P i - exp eps * Q i)) n).
  { rewrite <- minus_sum. apply sum_Rle. intros i _. destruct (S i).
    - apply Rmax_r.
    - rewrite Rmult_0_r, Rminus_0_r. apply Rmax_l. }
  lra.
Qed.

(** The tightness witness: a 4-point pair, (ε, δ)-DP, with TV exactly η. *)
Definition wit_p (eps delta : R) (i : nat) : R :=
  match i with
  | 0 => delta | 1 => exp eps * ((1 - delta) / (1 + exp eps))
  | 2 => (1 - delta) / (1 + exp eps) | _ => 0 end.
Definition wit_q (eps delta : R) (i : nat) : R := wit_p eps delta (3 - i).

Theorem eta_witness_law : forall eps delta, 0 <= delta <= 1 -> law (wit_p eps delta) 3 /\ law (wit_q eps delta) 3.
Proof.
  intros eps delta Hd. pose proof (exp_pos eps).
  assert (0 <= (1 - delta) / (1 + exp eps)) by (apply div_nonneg; lra).
  assert (0 <= exp eps * ((1 - delta) / (1 + exp eps))) by (apply Rmult_le_pos; lra).
  split; split.
  - intros i Hi. destruct i as [|[|[|i]]]; simpl; lra.
  - simpl. field. lra.
  - intros i Hi. unfold wit_q. destruct i as [|[|[|[|i]]]]; simpl; lra.
  - unfold wit_q. simpl. field. lra.
Qed.

Ltac clear_rmax := repeat match goal with
  | |- context [Rmax 0 ?x] => first [rewrite (Rmax_right 0 x) by nra | rewrite (Rmax_left 0 x) by nra]
  end.

Theorem eta_witness_dp : forall eps delta, 0 <= eps -> 0 <= delta <= 1 ->
  dp_pair eps delta (wit_p eps delta) (wit_q eps delta) 3.
Proof.
  intros eps delta He Hd. pose proof (exp_ge_1 eps He).
  assert (Hb : 0 <= (1 - delta) / (1 + exp eps)) by (apply div_nonneg; lra).
  set (b := (1 - delta) / (1 + exp eps)) in *. set (e := exp eps) in *.
  assert (0 <= e * b) by nra. assert (b <= e * (e * b)) by nra.
  intros S. split; apply hockey_stick_dp; unfold wit_q; simpl; fold e b; clear_rmax; lra.
Qed.

Theorem eta_witness_tight : forall eps delta, 0 <= eps -> 0 <= delta <= 1 ->
  tv (wit_p eps delta) (wit_q eps delta) 3 = eta eps delta.
Proof.
  intros eps delta He Hd. pose proof (exp_pos eps). pose proof (exp_ge_1 eps He).
  unfold tv, wit_q, eta. simpl.
  assert (Hb : 0 <= (1 - delta) / (1 + exp eps)) by (apply div_nonneg; lra).
  assert (exp eps * ((1 - delta) / (1 + exp eps)) - (1 - delta) / (1 + exp eps)
          = (exp eps - 1) * ((1 - delta) / (1 + exp eps))) by ring.
  assert (0 <= (exp eps - 1) * ((1 - delta) / (1 + exp eps))) by (apply Rmult_le_pos; lra).
  clear_rmax. field. lra.
Qed.

(** Special cases: η(0, δ) = δ, η(ε, 1) = 1, η(ε, 0) = tanh(ε/2). *)
Theorem eta_zero_eps : forall delta, eta 0 delta = delta.
Proof. intros. unfold eta. rewrite exp_0. field. Qed.

Theorem eta_one_delta : forall eps, eta eps 1 = 1.
Proof. intros. unfold eta. pose proof (exp_pos eps). field. lra. Qed.

Definition tanh_ (x : R) : R := (exp x - exp (- x)) / (exp x + exp (- x)).

Theorem eta_zero_delta : forall eps, eta eps 0 = tanh_ (eps / 2).
Proof.
  intros eps. unfold eta, tanh_.
  assert (E : exp eps = exp (eps / 2) * exp (eps / 2)) by (rewrite <- exp_plus; f_equal; field).
  assert (I : exp (- (eps / 2)) = / exp (eps / 2)) by apply exp_Ropp.
  pose proof (exp_pos (eps / 2)). rewrite E, I. field. nra.
Qed.

(** Range and monotonicity for ε ≥ 0, δ ∈ [0, 1]. *)
Theorem eta_range : forall eps delta, 0 <= eps -> 0 <= delta <= 1 -> 0 <= eta eps delta <= 1.
Proof.
  intros eps delta He Hd. pose proof (exp_ge_1 eps He). unfold eta. split.
  - apply div_nonneg; lra.
  - apply (Rmult_le_reg_r (exp eps + 1)); [lra|].
    replace ((exp eps - 1 + 2 * delta) / (exp eps + 1) * (exp eps + 1)) with (exp eps - 1 + 2 * delta) by (field; lra).
    lra.
Qed.

Theorem eta_monotone : forall e1 e2 d1 d2, 0 <= e1 <= e2 -> 0 <= d1 <= d2 -> d2 <= 1 -> eta e1 d1 <= eta e2 d2.
Proof.
  intros e1 e2 d1 d2 He Hd Hd2. unfold eta.
  pose proof (exp_ge_1 e1 (proj1 He)). assert (exp e1 <= exp e2).
  { destruct (proj2 He) as [Hlt|Heq]; [left; apply exp_increasing; assumption | subst; lra]. }
  apply (Rmult_le_reg_r ((exp e1 + 1) * (exp e2 + 1))); [nra|].
  replace ((exp e1 - 1 + 2 * d1) / (exp e1 + 1) * ((exp e1 + 1) * (exp e2 + 1)))
    with ((exp e1 - 1 + 2 * d1) * (exp e2 + 1)) by (field; lra).
  replace ((exp e2 - 1 + 2 * d2) / (exp e2 + 1) * ((exp e1 + 1) * (exp e2 + 1)))
    with ((exp e2 - 1 + 2 * d2) * (exp e1 + 1)) by (field; lra).
  nra.
Qed.
