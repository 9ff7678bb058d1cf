(** Finite sums [sum_f_R0 f n = f 0 + … + f n] and finite maxima: only what the standard library lacks.
    The standard library already has extensionality ([sum_eq]), comparison ([sum_Rle]), linearity
    ([plus_sum], [minus_sum], [scal_sum]), constants ([sum_cte]) and the last term ([tech5]); the proofs
    use those directly. *)
Require Import Reals Lra Lia.
Open Scope R_scope.

(** [scal_sum] with the constant on the left of each term. *)
Lemma sum_mult_l : forall (c : R) (f : nat -> R) (n : nat),
  sum_f_R0 (fun i => c * f i) n = c * sum_f_R0 f n.
Proof. intros. rewrite scal_sum. apply sum_eq. intros. ring. Qed.

(** [cond_pos_sum] asks for non-negativity everywhere; here only on [0..n]. *)
Lemma sum_nonneg : forall (f : nat -> R) (n : nat),
  (forall i, (i <= n)%nat -> 0 <= f i) -> 0 <= sum_f_R0 f n.
Proof.
  intros f n H. replace 0 with (sum_f_R0 (fun _ => 0) n) by (rewrite sum_cte; ring).
  apply sum_Rle. assumption.
Qed.

(** Exchanging the order of a finite double sum. *)
Lemma sum_swap : forall (a : nat -> nat -> R) (n m : nat),
  sum_f_R0 (fun i => sum_f_R0 (fun j => a i j) m) n =
  sum_f_R0 (fun j => sum_f_R0 (fun i => a i j) n) m.
Proof.
  intros a n m. induction n as [|n IH]; simpl.
  - reflexivity.
  - rewrite IH. rewrite <- plus_sum. reflexivity.
Qed.

(** A sum with a single non-zero term. *)
Lemma sum_dirac : forall (c : R) (n s : nat), (s <= n)%nat ->
  sum_f_R0 (fun i => if Nat.eq_dec i s then c else 0) n = c.
Proof.
  intros c n. induction n as [|n IH]; intros s Hs.
  - assert (s = 0%nat) by lia. subst. simpl. destruct (Nat.eq_dec 0 0); [reflexivity | contradiction].
  - rewrite tech5. destruct (Nat.eq_dec (S n) s) as [E|E].
    + subst. rewrite (sum_eq _ (fun _ => 0)).
      * rewrite sum_cte. ring.
      * intros i Hi. destruct (Nat.eq_dec i (S n)); [lia | reflexivity].
    + rewrite IH by lia. ring.
Qed.

(** One value [a] at index [s], [b] at the [n] others. *)
Lemma sum_one_hot : forall (a b : R) (n s : nat), (s <= n)%nat ->
  sum_f_R0 (fun i => if Nat.eq_dec i s then a else b) n = a + INR n * b.
Proof.
  intros a b n s Hs.
  rewrite (sum_eq _ (fun i => b + (if Nat.eq_dec i s then a - b else 0))).
  - rewrite plus_sum, sum_cte, sum_dirac by assumption. rewrite S_INR. ring.
  - intros i _. destruct (Nat.eq_dec i s); ring.
Qed.

(** Removing one index [s <= n] from a sum. *)
Lemma sum_except : forall (f : nat -> R) (n s : nat), (s <= n)%nat ->
  sum_f_R0 (fun i => if Nat.eq_dec i s then 0 else f i) n = sum_f_R0 f n - f s.
Proof.
  intros f n s Hs.
  rewrite (sum_eq _ (fun i => f i - (if Nat.eq_dec i s then f s else 0))).
  - rewrite minus_sum, sum_dirac by assumption. reflexivity.
  - intros i _. destruct (Nat.eq_dec i s); subst; ring.
Qed.

(** One term of a non-negative sum is at most the sum. *)
Lemma sum_term_le : forall (f : nat -> R) (n s : nat), (s <= n)%nat ->
  (forall i, (i <= n)%nat -> 0 <= f i) -> f s <= sum_f_R0 f n.
Proof.
  intros f n s Hs H. pose proof (sum_except f n s Hs) as E.
  assert (0 <= sum_f_R0 (fun i => if Nat.eq_dec i s then 0 else f i) n).
  { apply sum_nonneg. intros i Hi. destruct (Nat.eq_dec i s); [lra | apply H; assumption]. }
  lra.
Qed.

(** The first index where [f] is largest on [0..n], and that largest value. *)
Fixpoint argmax (f : nat -> R) (n : nat) : nat :=
  match n with
  | O => O
  | S k => if Rlt_dec (f (argmax f k)) (f (S k)) then S k else argmax f k
  end.

Definition fmax (f : nat -> R) (n : nat) : R := f (argmax f n).

Lemma argmax_range : forall f n, (argmax f n <= n)%nat.
Proof.
  intros f n. induction n as [|n IH]; simpl; [lia|]. destruct (Rlt_dec _ _); lia.
Qed.

Lemma fmax_ge : forall f n i, (i <= n)%nat -> f i <= fmax f n.
Proof.
  intros f n. unfold fmax. induction n as [|n IH]; intros i Hi; simpl.
  - assert (i = 0%nat) by lia. subst. lra.
  - destruct (Rlt_dec (f (argmax f n)) (f (S n))) as [Hlt|Hge].
    + destruct (Nat.eq_dec i (S n)); [subst; lra|]. pose proof (IH i ltac:(lia)). lra.
    + destruct (Nat.eq_dec i (S n)); [subst; lra|]. apply IH. lia.
Qed.
