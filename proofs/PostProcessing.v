(** Result 1 — post-processing: a stochastic matrix K (a guard, or any decision rule) never increases
    the L1 distance, hence the total variation, between two laws on finite spaces (theory.post_processing).
    Consequently Succ*_SA ≤ Succ*_AI: the guarded laws are P K. *)
Require Import Reals Lra Lia.
Require Import SensAware.Sums SensAware.DpToTv.
Open Scope R_scope.

Definition push (P : nat -> R) (K : nat -> nat -> R) (n : nat) (j : nat) : R :=
  sum_f_R0 (fun i => P i * K i j) n.

Definition l1 (P Q : nat -> R) (n : nat) : R := sum_f_R0 (fun i => Rabs (P i - Q i)) n.

Theorem post_processing_l1 : forall (P Q : nat -> R) (K : nat -> nat -> R) (n m : nat),
  (forall i j, (i <= n)%nat -> (j <= m)%nat -> 0 <= K i j) ->
  (forall i, (i <= n)%nat -> sum_f_R0 (fun j => K i j) m = 1) ->
  l1 (push P K n) (push Q K n) m <= l1 P Q n.
Proof.
  intros P Q K n m HK Hrow. unfold l1, push.
  apply Rle_trans with (sum_f_R0 (fun j => sum_f_R0 (fun i => Rabs (P i - Q i) * K i j) n) m).
  - apply sum_le. intros j Hj. rewrite <- sum_minus.
    eapply Rle_trans; [apply sum_f_R0_triangle|]. apply Req_le. apply sum_ext. intros i Hi.
    replace (P i * K i j - Q i * K i j) with ((P i - Q i) * K i j) by ring.
    rewrite Rabs_mult, (Rabs_right (K i j)); [reflexivity | apply Rle_ge, HK; assumption].
  - rewrite <- (sum_swap (fun i j => Rabs (P i - Q i) * K i j)).
    apply Req_le. apply sum_ext. intros i Hi. rewrite sum_scal, Hrow by assumption. ring.
Qed.

(** In total-variation form, for laws (equal total mass). *)
Theorem post_processing : forall (P Q : nat -> R) (K : nat -> nat -> R) (n m : nat),
  sum_f_R0 P n = sum_f_R0 Q n ->
  (forall i j, (i <= n)%nat -> (j <= m)%nat -> 0 <= K i j) ->
  (forall i, (i <= n)%nat -> sum_f_R0 (fun j => K i j) m = 1) ->
  tv (push P K n) (push Q K n) m <= tv P Q n.
Proof.
  intros P Q K n m Hs HK Hrow.
  assert (Hpush : forall R0 : nat -> R, sum_f_R0 (push R0 K n) m = sum_f_R0 R0 n).
  { intros R0. unfold push. rewrite <- (sum_swap (fun i j => R0 i * K i j)).
    apply sum_ext. intros i Hi. rewrite sum_scal, Hrow by assumption. ring. }
  rewrite !tv_half_l1 by (rewrite ?Hpush; assumption).
  apply Rmult_le_compat_l; [lra|]. apply post_processing_l1; assumption.
Qed.

(** The identity guard keeps TV; the perfect guard (everything to one refusal symbol) makes it 0. *)
Theorem post_processing_refuse_all : forall (P Q : nat -> R) (n m r : nat),
  sum_f_R0 P n = sum_f_R0 Q n -> (r <= m)%nat ->
  tv (push P (fun _ j => if Nat.eq_dec j r then 1 else 0) n)
     (push Q (fun _ j => if Nat.eq_dec j r then 1 else 0) n) m = 0.
Proof.
  intros P Q n m r Hs Hr. unfold tv, push.
  rewrite (sum_ext _ (fun _ => 0)).
  - rewrite sum_const. ring.
  - intros j Hj. destruct (Nat.eq_dec j r).
    + rewrite (sum_ext (fun i => P i * 1) P) by (intros; ring).
      rewrite (sum_ext (fun i => Q i * 1) Q) by (intros; ring).
      rewrite Hs. unfold Rmax. destruct (Rle_dec 0 (sum_f_R0 Q n - sum_f_R0 Q n)); lra.
    + rewrite (sum_ext (fun i => P i * 0) (fun _ => 0)) by (intros; ring).
      rewrite (sum_ext (fun i => Q i * 0) (fun _ => 0)) by (intros; ring).
      unfold Rmax. destruct (Rle_dec 0 (sum_f_R0 (fun _ => 0) n - sum_f_R0 (fun _ => 0) n)); lra.
Qed.
