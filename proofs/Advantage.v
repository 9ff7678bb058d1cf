(** Normalised advantage [Adv = (G·Succ − 1)/(G − 1)] (theory.advantage). *)
Require Import Reals Lra.
Open Scope R_scope.

Definition advantage (G s : R) : R := (G * s - 1) / (G - 1).
Definition success_from_advantage (G a : R) : R := (1 + (G - 1) * a) / G.

(** Range: Succ ∈ [0,1] and G ≥ 2 give Adv ∈ [−1/(G−1), 1]. *)
Theorem advantage_range : forall G s, 2 <= G -> 0 <= s <= 1 ->
  - (1 / (G - 1)) <= advantage G s <= 1.
Proof.
  intros G s HG Hs. unfold advantage. split.
  - apply (Rmult_le_reg_r (G - 1)); [lra|].
    replace (- (1 / (G - 1)) * (G - 1)) with (-1) by (field; lra).
    replace ((G * s - 1) / (G - 1) * (G - 1)) with (G * s - 1) by (field; lra). nra.
  - apply (Rmult_le_reg_r (G - 1)); [lra|].
    replace ((G * s - 1) / (G - 1) * (G - 1)) with (G * s - 1) by (field; lra). nra.
Qed.

(** Random guessing has advantage 0, a perfect adversary 1. *)
Theorem advantage_random_guess : forall G, 2 <= G -> advantage G (1 / G) = 0.
Proof. intros G HG. unfold advantage. replace (G * (1 / G) - 1) with 0 by (field; lra). unfold Rdiv. ring. Qed.

Theorem advantage_perfect : forall G, 2 <= G -> advantage G 1 = 1.
Proof. intros G HG. unfold advantage. field. lra. Qed.

(** The inverse map. *)
Theorem advantage_inverse : forall G s, 2 <= G -> success_from_advantage G (advantage G s) = s.
Proof. intros G s HG. unfold success_from_advantage, advantage. field. lra. Qed.

Theorem advantage_inverse' : forall G a, 2 <= G -> advantage G (success_from_advantage G a) = a.
Proof. intros G a HG. unfold success_from_advantage, advantage. field. lra. Qed.

(** G = 2: Adv = 2·Succ − 1. *)
Theorem advantage_binary : forall s, advantage 2 s = 2 * s - 1.
Proof. intros s. unfold advantage. field. Qed.

(** Adv is increasing in Succ. *)
Theorem advantage_monotone : forall G s t, 2 <= G -> s <= t -> advantage G s <= advantage G t.
Proof.
  intros G s t HG Hst. unfold advantage, Rdiv. apply Rmult_le_compat_r.
  - left. apply Rinv_0_lt_compat. lra.
  - nra.
Qed.
