; Raw SMT-LIB2 form of the admin policy (expert mode, docs/policy.md section 4).
; Claim: no admissible request is both read-only and admin, and admin actions
; need admin permissions. Expected: unsat (no counterexample exists).
(set-info :status unsat)
(set-logic QF_UF)
(declare-const online_allowlist Bool)
(declare-const host_allowlisted Bool)
(declare-const admin_perms Bool)
(declare-const action_readonly Bool)
(declare-const action_admin Bool)
(define-fun admissible () Bool
  (and (=> online_allowlist host_allowlisted)
       (not (and action_readonly action_admin))
       (=> action_admin admin_perms)))
(assert (! admissible :named request-admissible))
; Counterexample sought: an admissible admin action without admin permissions.
(assert (! (and action_admin (not admin_perms)) :named admin-without-perms))
(check-sat)
