(** Result 5 — the sandwich B ≤ Succ* ≤ B + (1 − B)·η for any prior (theory.sandwich).

    One context: prior w over G = N + 1 values with its most likely value s (w g ≤ w s = B); decision
    regions S_g partition the outputs; a g = P_g(S_g) and b g = P_s(S_g). Pairwise TV ≤ η gives
    a g ≤ b g + η. Averaging over contexts φ is linear (sandwich_contexts). *)
Require Import Reals Lra Lia.
Require Import SensAware.Sums.
Open Scope R_scope.

Section OneContext.
  Variables (N s : nat) (w a b : nat -> R) (eta : R).
  Hypothesis Hs : (s <= N)%nat.
  Hypothesis Hw : forall g, (g <= N)%nat -> 0 <= w g <= w s.
  Hypothesis Hwsum : sum_f_R0 w N = 1.
  Hypothesis Hb : forall g, (g <= N)%nat -> 0 <= b g.
  Hypothesis Hbsum : sum_f_R0 b N = 1.
  Hypothesis Htv : forall g, (g <= N)%nat -> g <> s -> a g <= b g + eta.
  Hypothesis Has : a s = b s.

  (** Upper half: Σ_g w_g P_g(S_g) ≤ B + (1 − B)·η. *)
  Theorem sandwich_upper : sum_f_R0 (fun g => w g * a g) N <= w s + (1 - w s) * eta.
  Proof.
    pose proof (sum_except_le (fun g => w g * a g) (fun g => w s * b g + w g * eta) N s Hs) as H.
    assert (Hp : forall g, (g <= N)%nat -> g <> s -> w g * a g <= w s * b g + w g * eta).
    { intros g Hg Hne. pose proof (Hw g Hg). pose proof (Hb g Hg). pose proof (Htv g Hg Hne). nra. }
    specialize (H Hp). rewrite sum_plus, sum_scal in H.
    rewrite (sum_ext (fun g => w g * eta) (fun g => eta * w g)) in H by (intros; ring).
    rewrite sum_scal, Hwsum, Hbsum, Has in H. nra.
  Qed.

  (** Lower half: always guessing s already succeeds with probability B = w s. *)
  Theorem sandwich_lower : sum_f_R0 (fun g => w g * (if Nat.eq_dec g s then 1 else 0)) N = w s.
  Proof.
    rewrite (sum_ext _ (fun g => w g - (if Nat.eq_dec g s then 0 else w g))).
    - rewrite sum_minus, sum_except by assumption. ring.
    - intros g _. destruct (Nat.eq_dec g s); ring.
  Qed.
End OneContext.

(** Averaging over contexts: per-context sandwiches give the sandwich on the expectation. *)
Theorem sandwich_contexts : forall (n : nat) (p succ B : nat -> R) (eta : R),
  (forall f, (f <= n)%nat -> 0 <= p f) -> sum_f_R0 p n = 1 ->
  (forall f, (f <= n)%nat -> succ f <= B f + (1 - B f) * eta) ->
  sum_f_R0 (fun f => p f * succ f) n <= sum_f_R0 (fun f => p f * B f) n + (1 - sum_f_R0 (fun f => p f * B f) n) * eta.
Proof.
  intros n p succ B eta Hp Hsum H.
  apply Rle_trans with (sum_f_R0 (fun f => p f * B f + p f * eta - (p f * B f) * eta) n).
  - apply sum_le. intros f Hf. pose proof (Hp f Hf). pose proof (H f Hf). nra.
  - rewrite sum_minus, sum_plus.
    rewrite (sum_ext (fun f => p f * eta) (fun f => eta * p f)) by (intros; ring).
    rewrite (sum_ext (fun f => p f * B f * eta) (fun f => eta * (p f * B f))) by (intros; ring).
    rewrite !sum_scal, Hsum. lra.
Qed.

(** The normalised form: with L = (G·B − 1)/(G − 1), normalising B + (1 − B)η gives L + (1 − L)η. *)
Theorem sandwich_advantage_form : forall G Bs eta, 2 <= G ->
  (G * (Bs + (1 - Bs) * eta) - 1) / (G - 1) =
  (G * Bs - 1) / (G - 1) + (1 - (G * Bs - 1) / (G - 1)) * eta.
Proof. intros. field. lra. Qed.
