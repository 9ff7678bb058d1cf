(** Result 6 — the tight G-ary bound (theory.tight_gary).

    G = N + 1 values; decision regions S_0 … S_N partition the outputs; [M g h] = P_g(S_h), so every row
    of M sums to 1. Pairwise (ε, δ)-DP gives P_g(S_g) ≤ e^ε P_k(S_g) + δ. Then for every G ≥ 2
    Σ_g P_g(S_g) / G ≤ (e^ε + (G − 1)δ)/(e^ε + G − 1), attained by G-ary randomised response mixed with δ. *)
Require Import Reals Lra Lia.
Require Import SensAware.Sums SensAware.DpToTv.
Open Scope R_scope.

Definition gary_success (eps delta G : R) : R := (exp eps + (G - 1) * delta) / (exp eps + G - 1).

Section Bound.
  Variables (eps delta : R) (N : nat) (M : nat -> nat -> R).
  Hypothesis Hrow : forall g, (g <= N)%nat -> sum_f_R0 (fun h => M g h) N = 1.
  Hypothesis Hdp : forall g k, (g <= N)%nat -> (k <= N)%nat -> M g g <= exp eps * M k g + delta.

  Let C (g : nat) : R := sum_f_R0 (fun k => M k g) N.

  Lemma per_value : forall g, (g <= N)%nat -> INR N * M g g <= exp eps * (C g - M g g) + INR N * delta.
  Proof.
    intros g Hg.
    pose proof (sum_except_le (fun _ => M g g) (fun k => exp eps * M k g + delta) N g Hg
                  (fun k Hk _ => Hdp g k Hg Hk)) as H.
    simpl in H. rewrite sum_const, sum_plus, sum_scal, sum_const in H. rewrite S_INR in H.
    unfold C. lra.
  Qed.

  Lemma columns_total : sum_f_R0 C N = INR (S N).
  Proof.
    unfold C. rewrite (sum_swap (fun g k => M k g) N N).
    rewrite (sum_ext _ (fun _ => 1)).
    - rewrite sum_const. ring.
    - intros k Hk. apply Hrow. assumption.
  Qed.

  Theorem tight_gary : sum_f_R0 (fun g => M g g) N / INR (S N) <= gary_success eps delta (INR (S N)).
  Proof.
    set (X := sum_f_R0 (fun g => M g g) N).
    assert (H : sum_f_R0 (fun g => INR N * M g g) N
                <= sum_f_R0 (fun g => exp eps * (C g - M g g) + INR N * delta) N)
      by (apply sum_le; intros; apply per_value; assumption).
    rewrite sum_scal, sum_plus, sum_scal, sum_minus, sum_const, columns_total in H. fold X in H.
    pose proof (exp_pos eps) as He. pose proof (pos_INR N) as HN. rewrite S_INR in *.
    unfold gary_success. replace (INR N + 1 - 1) with (INR N) by ring.
    apply (Rmult_le_reg_r ((INR N + 1) * (exp eps + INR N))); [nra|].
    replace (X / (INR N + 1) * ((INR N + 1) * (exp eps + INR N))) with (X * (exp eps + INR N)) by (field; lra).
    replace ((exp eps + INR N * delta) / (exp eps + (INR N + 1) - 1) * ((INR N + 1) * (exp eps + INR N)))
      with ((exp eps + INR N * delta) * (INR N + 1)) by (field; lra).
    nra.
  Qed.
End Bound.

(** Tightness: randomised response mixed with δ attains the bound. With e = e^ε and G = N + 1 its
    probability of the right guess is δ + (1 − δ)e/(e + G − 1), which is the bound. *)
Theorem tight_gary_witness : forall eps delta G, 1 <= G ->
  delta + (1 - delta) * (exp eps / (exp eps + G - 1)) = gary_success eps delta G.
Proof. intros. unfold gary_success. pose proof (exp_pos eps). field. lra. Qed.

(** G = 2 gives η (result 3), and in advantage form (e^ε − 1 + Gδ)/(e^ε + G − 1). *)
Theorem tight_gary_binary_is_eta : forall eps delta, 2 * gary_success eps delta 2 - 1 = eta eps delta.
Proof. intros. unfold gary_success, eta. pose proof (exp_pos eps). field. lra. Qed.

Theorem tight_gary_advantage_form : forall eps delta G, 2 <= G ->
  (G * gary_success eps delta G - 1) / (G - 1) = (exp eps - 1 + G * delta) / (exp eps + G - 1).
Proof. intros. unfold gary_success. pose proof (exp_pos eps). field. split; lra. Qed.
