(** Result 4 — the DP chain on the games (theory.dp_chain), uniform prior over G = N + 1 values:
    Adv_SA = Adv_AI(A ∘ Guard) ≤ max_{g,h} TV(P_g, P_h) ≤ η(ε, δ).
    The SA adversary [A] sees the guarded output [push (M g) K n]; the simulating AI adversary is
    [compose K A m]; the middle step holds for every G (not only G = 2); the last is result 3. *)
Require Import Reals Lra Lia.
Require Import SensAware.Sums SensAware.Model SensAware.DpToTv SensAware.Advantage SensAware.PostProcessing.
Open Scope R_scope.

(** The largest pairwise total variation between the output laws. *)
Definition max_tv (M : nat -> nat -> R) (N n : nat) : R := fmax (fun g => fmax (fun h => tv (M g) (M h) n) N) N.

Lemma max_tv_ge : forall M N n g h, (g <= N)%nat -> (h <= N)%nat -> tv (M g) (M h) n <= max_tv M N n.
Proof.
  intros M N n g h Hg Hh. unfold max_tv.
  apply Rle_trans with (fmax (fun h => tv (M g) (M h) n) N); [apply (fmax_ge (fun h => tv (M g) (M h) n)) | apply (fmax_ge (fun g => fmax (fun h => tv (M g) (M h) n) N))]; assumption.
Qed.

Lemma max_tv_le : forall M N n t, (forall g h, (g <= N)%nat -> (h <= N)%nat -> tv (M g) (M h) n <= t) ->
  max_tv M N n <= t.
Proof.
  intros M N n t H. unfold max_tv, fmax. apply H; apply argmax_range.
Qed.

(** Adv_AI ≤ t whenever every pair of output laws is within t in total variation (any G ≥ 2, any
    randomised adversary): G·Succ − 1 = Σ_g (C g g − C 0 g) ≤ (G − 1)·t. *)
Theorem adv_ai_le_tv : forall (N n : nat) (M A : nat -> nat -> R) (t : R), (1 <= N)%nat ->
  mechanism M N n -> adversary A n N ->
  (forall g h, (g <= N)%nat -> (h <= N)%nat -> tv (M g) (M h) n <= t) ->
  advantage (INR (S N)) (success (uniform N) M A N n) <= t.
Proof.
  intros N n M A t HN HM HA Htv.
  set (C := compose M A n). assert (HC : kernel C N N) by (apply confusion_law; assumption).
  assert (HNR : 1 <= INR N) by (replace 1 with (INR 1) by reflexivity; apply le_INR; assumption).
  assert (Hsum : sum_f_R0 (fun g => C g g) N - 1 <= INR N * t).
  { rewrite <- (proj2 (HC 0%nat ltac:(lia))), <- minus_sum.
    rewrite <- (Rplus_0_l (INR N * t)), <- (sum_one_hot 0 t N 0) by lia.
    apply sum_Rle. intros g Hg. destruct (Nat.eq_dec g 0) as [E|E]; [subst; lra|].
    apply Rle_trans with (tv (M g) (M 0%nat) n); [| apply Htv; lia].
    unfold C. rewrite !confusion_expect. apply tv_test. intros y Hy.
    apply law_le_1 with N; [apply HA; assumption | assumption]. }
  unfold advantage. rewrite S_INR.
  replace (INR N + 1 - 1) with (INR N) by ring.
  unfold success, uniform. rewrite sum_mult_l. fold C. rewrite S_INR.
  replace ((INR N + 1) * (/ (INR N + 1) * sum_f_R0 (fun g => C g g) N)) with (sum_f_R0 (fun g => C g g) N)
    by (field; lra).
  apply (Rmult_le_reg_r (INR N)); [lra|]. unfold Rdiv. rewrite Rmult_assoc, Rinv_l by lra. lra.
Qed.

(** The chain: for every guard K, SA adversary A and pairwise (ε, δ)-DP mechanism M,
    Adv_SA(A) = Adv_AI(A ∘ K) ≤ max TV ≤ η(ε, δ). *)
Theorem dp_chain : forall eps delta (N n m : nat) (M K A : nat -> nat -> R), (1 <= N)%nat ->
  mechanism M N n -> kernel K n m -> adversary A m N -> pairwise_dp eps delta M N n ->
  advantage (INR (S N)) (success (uniform N) (guarded M K n) A N m)
    = advantage (INR (S N)) (success (uniform N) M (compose K A m) N n) /\
  advantage (INR (S N)) (success (uniform N) M (compose K A m) N n) <= max_tv M N n /\
  max_tv M N n <= eta eps delta.
Proof.
  intros eps delta N n m M K A HN HM HK HA Hdp. split; [|split].
  - rewrite sa_is_post_processing. reflexivity.
  - apply adv_ai_le_tv; [assumption | assumption | apply compose_kernel; assumption |].
    intros; apply max_tv_ge; assumption.
  - apply max_tv_le. intros g h Hg Hh. apply dp_to_tv; [apply HM | apply HM | apply Hdp]; assumption.
Qed.

(** The guarded laws are themselves within max TV of each other (data processing), so the chain also holds
    with the SA game's own TV in the middle: Adv_SA ≤ max TV(guarded) ≤ max TV ≤ η. *)
Theorem dp_chain_guarded : forall eps delta (N n m : nat) (M K : nat -> nat -> R), (1 <= N)%nat ->
  mechanism M N n -> kernel K n m -> pairwise_dp eps delta M N n ->
  max_tv (guarded M K n) N m <= max_tv M N n /\ max_tv M N n <= eta eps delta.
Proof.
  intros eps delta N n m M K HN HM HK Hdp. split.
  - apply max_tv_le. intros g h Hg Hh. eapply Rle_trans; [apply post_processing; [apply HM | apply HM | ]; assumption|].
    apply max_tv_ge; assumption.
  - apply max_tv_le. intros g h Hg Hh. apply dp_to_tv; [apply HM | apply HM | apply Hdp]; assumption.
Qed.
