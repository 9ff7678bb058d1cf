(** Result 8, group privacy (theory.composition.group_privacy): a mechanism that is (ε, δ)-DP for
    add/remove neighbours is (kε, δ·Σ_{i<k} e^{iε})-DP for datasets k add/remove steps apart, and so
    (2ε, (1 + e^ε)δ)-DP for replace-one neighbours (a replacement is a removal then an addition).
    Datasets are lists of records of any type; the mechanism maps a dataset to a law on {0..n}. *)
Require Import Reals Lra Lia List.
Require Import SensAware.Model.
Import ListNotations.
Open Scope R_scope.

(** Σ_{i<k} e^{iε}. *)
Fixpoint geom (eps : R) (k : nat) : R :=
  match k with O => 0 | S j => geom eps j + exp (INR j * eps) end.

Lemma geom_shift : forall eps k, exp eps * geom eps k + 1 = geom eps (S k).
Proof.
  intros eps k. induction k as [|k IH].
  - simpl. rewrite Rmult_0_l, exp_0. ring.
  - change (geom eps (S (S k))) with (geom eps (S k) + exp (INR (S k) * eps)).
    change (geom eps (S k)) with (geom eps k + exp (INR k * eps)) at 1.
    rewrite <- IH, S_INR. replace ((INR k + 1) * eps) with (eps + INR k * eps) by ring. rewrite exp_plus. ring.
Qed.

(** [steps adj k d d']: d' is reached from d in k steps of [adj]. *)
Inductive steps {X : Type} (adj : X -> X -> Prop) : nat -> X -> X -> Prop :=
  | steps_zero : forall d, steps adj 0 d d
  | steps_succ : forall k d d' d'', steps adj k d d' -> adj d' d'' -> steps adj (S k) d d''.

Theorem group_privacy : forall (X : Type) (adj : X -> X -> Prop) (Mech : X -> nat -> R) (n : nat) eps delta,
  (forall d d', adj d d' -> dp_pair eps delta (Mech d) (Mech d') n) ->
  forall k d d', steps adj k d d' -> dp_pair (INR k * eps) (delta * geom eps k) (Mech d) (Mech d') n.
Proof.
  intros X adj Mech n eps delta Hdp k d d' Hk. induction Hk as [d|k d d' d'' Hk IH Hadj]; intros T.
  - simpl. rewrite Rmult_0_l, exp_0. lra.
  - destruct (IH T) as [IH1 IH2]. destruct (Hdp d' d'' Hadj T) as [H1 H2].
    pose proof (exp_pos eps). pose proof (exp_pos (INR k * eps)).
    assert (Ek : exp (INR (S k) * eps) = exp (INR k * eps) * exp eps).
    { rewrite S_INR, <- exp_plus. f_equal. ring. }
    rewrite Ek. split.
    + change (geom eps (S k)) with (geom eps k + exp (INR k * eps)).
      apply Rle_trans with (exp (INR k * eps) * mass (Mech d') T n + delta * geom eps k); [assumption|].
      apply Rle_trans with (exp (INR k * eps) * (exp eps * mass (Mech d'') T n + delta) + delta * geom eps k);
        [apply Rplus_le_compat_r, Rmult_le_compat_l; lra|].
      lra.
    + rewrite <- geom_shift.
      apply Rle_trans with (exp eps * mass (Mech d') T n + delta); [assumption|].
      apply Rle_trans with (exp eps * (exp (INR k * eps) * mass (Mech d) T n + delta * geom eps k) + delta);
        [apply Rplus_le_compat_r, Rmult_le_compat_l; lra|].
      lra.
Qed.

(** Neighbouring datasets. *)
Definition add_remove {X : Type} (d d' : list X) : Prop :=
  exists a b z, (d = a ++ z :: b /\ d' = a ++ b) \/ (d = a ++ b /\ d' = a ++ z :: b).
Definition replace_one {X : Type} (d d' : list X) : Prop :=
  exists a b z z', d = a ++ z :: b /\ d' = a ++ z' :: b.

(** Replace-one from add/remove: (2ε, (1 + e^ε)δ). *)
Theorem replace_one_from_add_remove : forall (X : Type) (Mech : list X -> nat -> R) (n : nat) eps delta,
  (forall d d', add_remove d d' -> dp_pair eps delta (Mech d) (Mech d') n) ->
  forall d d', replace_one d d' -> dp_pair (2 * eps) ((1 + exp eps) * delta) (Mech d) (Mech d') n.
Proof.
  intros X Mech n eps delta Hdp d d' [a [b [z [z' [Hd Hd']]]]].
  assert (Hs : steps add_remove 2 d d').
  { apply steps_succ with (a ++ b); [apply steps_succ with d; [apply steps_zero|]|].
    - exists a, b, z. left. split; [assumption | reflexivity].
    - exists a, b, z'. right. split; [reflexivity | assumption]. }
  pose proof (group_privacy (list X) add_remove Mech n eps delta Hdp 2 d d' Hs) as H.
  replace (INR 2 * eps) with (2 * eps) in H by (simpl; ring).
  replace (delta * geom eps 2) with ((1 + exp eps) * delta) in H
    by (simpl; rewrite Rmult_0_l, Rmult_1_l, exp_0; ring).
  exact H.
Qed.

(** k replace-one steps are 2k add/remove steps. *)
Lemma replace_steps_add_remove : forall (X : Type) k (d d' : list X),
  steps replace_one k d d' -> steps add_remove (2 * k) d d'.
Proof.
  intros X k d d' Hk. induction Hk as [d|k d d' d'' Hk IH [a [b [z [z' [Hd Hd']]]]]].
  - apply steps_zero.
  - replace (2 * S k)%nat with (S (S (2 * k))) by lia.
    apply steps_succ with (a ++ b); [apply steps_succ with d'; [assumption|]|].
    + exists a, b, z. left. split; [assumption | reflexivity].
    + exists a, b, z'. right. split; [reflexivity | assumption].
Qed.

(** Group privacy for replace-one neighbours: datasets k replacements apart (2k add/remove steps) get
    (2kε, δ·Σ_{i<2k} e^{iε}). *)
Theorem group_privacy_replace_one : forall (X : Type) (Mech : list X -> nat -> R) (n : nat) eps delta,
  (forall d d', add_remove d d' -> dp_pair eps delta (Mech d) (Mech d') n) ->
  forall k d d', steps replace_one k d d' ->
  dp_pair (INR (2 * k) * eps) (delta * geom eps (2 * k)) (Mech d) (Mech d') n.
Proof.
  intros X Mech n eps delta Hdp k d d' Hk.
  apply (group_privacy (list X) add_remove Mech n eps delta Hdp). apply replace_steps_add_remove. assumption.
Qed.
