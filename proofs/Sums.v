(** Finite sums over [0..n] ([sum_f_R0 f n = f 0 + ... + f n]) used by the bounds' proofs. *)
Require Import Reals Lra Lia Arith.
Open Scope R_scope.

Lemma sum_ext : forall (f g : nat -> R) (n : nat),
  (forall i, (i <= n)%nat -> f i = g i) -> sum_f_R0 f n = sum_f_R0 g n.
Proof.
  intros f g n H. induction n as [|n IH]; simpl.
  - apply H; lia.
  - rewrite IH by (intros; apply H; lia). rewrite (H (S n)) by lia. reflexivity.
Qed.

Lemma sum_le : forall (f g : nat -> R) (n : nat),
  (forall i, (i <= n)%nat -> f i <= g i) -> sum_f_R0 f n <= sum_f_R0 g n.
Proof.
  intros f g n H. induction n as [|n IH]; simpl.
  - apply H; lia.
  - apply Rplus_le_compat; [apply IH; intros; apply H; lia | apply H; lia].
Qed.

Lemma sum_nonneg : forall (f : nat -> R) (n : nat),
  (forall i, (i <= n)%nat -> 0 <= f i) -> 0 <= sum_f_R0 f n.
Proof.
  intros f n H. induction n as [|n IH]; simpl.
  - apply H; lia.
  - apply Rplus_le_le_0_compat; [apply IH; intros; apply H; lia | apply H; lia].
Qed.

Lemma sum_plus : forall (f g : nat -> R) (n : nat),
  sum_f_R0 (fun i => f i + g i) n = sum_f_R0 f n + sum_f_R0 g n.
Proof. intros. induction n as [|n IH]; simpl; lra. Qed.

Lemma sum_scal : forall (c : R) (f : nat -> R) (n : nat),
  sum_f_R0 (fun i => c * f i) n = c * sum_f_R0 f n.
Proof. intros. induction n as [|n IH]; simpl; [lra | rewrite IH; ring]. Qed.

Lemma sum_minus : forall (f g : nat -> R) (n : nat),
  sum_f_R0 (fun i => f i - g i) n = sum_f_R0 f n - sum_f_R0 g n.
Proof. intros. induction n as [|n IH]; simpl; lra. Qed.

Lemma sum_const : forall (c : R) (n : nat), sum_f_R0 (fun _ => c) n = INR (S n) * c.
Proof.
  intros c n. induction n as [|n IH]; simpl sum_f_R0.
  - simpl. ring.
  - rewrite IH. rewrite (S_INR (S n)). ring.
Qed.

(** Exchanging the order of a finite double sum. *)
Lemma sum_swap : forall (a : nat -> nat -> R) (n m : nat),
  sum_f_R0 (fun i => sum_f_R0 (fun j => a i j) m) n =
  sum_f_R0 (fun j => sum_f_R0 (fun i => a i j) n) m.
Proof.
  intros a n m. induction n as [|n IH]; simpl.
  - reflexivity.
  - rewrite IH. rewrite <- sum_plus. reflexivity.
Qed.

(** Removing one index [s <= n] from a sum. *)
Lemma sum_except : forall (f : nat -> R) (n s : nat), (s <= n)%nat ->
  sum_f_R0 (fun i => if Nat.eq_dec i s then 0 else f i) n = sum_f_R0 f n - f s.
Proof.
  intros f n. induction n as [|n IH]; intros s Hs.
  - assert (s = 0%nat) by lia. subst. simpl. destruct (Nat.eq_dec 0 0); [ring | contradiction].
  - rewrite !tech5. destruct (Nat.eq_dec (S n) s) as [E|E].
    + subst. rewrite (sum_ext _ f n).
      * ring.
      * intros i Hi. destruct (Nat.eq_dec i (S n)); [lia | reflexivity].
    + rewrite IH by lia. ring.
Qed.

(** Summing an inequality over every index but [s]. *)
Lemma sum_except_le : forall (f g : nat -> R) (n s : nat), (s <= n)%nat ->
  (forall i, (i <= n)%nat -> i <> s -> f i <= g i) ->
  sum_f_R0 f n - f s <= sum_f_R0 g n - g s.
Proof.
  intros f g n s Hs H. rewrite <- !sum_except by assumption.
  apply sum_le. intros i Hi. destruct (Nat.eq_dec i s); [lra | apply H; assumption].
Qed.
