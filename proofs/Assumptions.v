(** Print the axioms every main theorem depends on (checked by tests/test_proofs.py; the list is every
    Coq theorem named in theory.theorems.THEOREMS). *)
Require Import SensAware.Advantage SensAware.DpToTv SensAware.Inversion SensAware.TightGary
  SensAware.Sandwich SensAware.PostProcessing.
Print Assumptions advantage_range.
Print Assumptions advantage_inverse.
Print Assumptions advantage_binary.
Print Assumptions post_processing.
Print Assumptions post_processing_refuse_all.
Print Assumptions dp_to_tv.
Print Assumptions eta_witness_dp.
Print Assumptions eta_witness_tight.
Print Assumptions eta_zero_delta.
Print Assumptions tight_gary_binary_is_eta.
Print Assumptions sandwich_upper.
Print Assumptions sandwich_lower.
Print Assumptions sandwich_contexts.
Print Assumptions sandwich_advantage_form.
Print Assumptions tight_gary.
Print Assumptions tight_gary_witness.
Print Assumptions tight_gary_advantage_form.
Print Assumptions inversion_round_trip.
Print Assumptions inversion_round_trip_back.
Print Assumptions gary_adv_monotone.
