(* Features.v -- the layer fed phi(x): k GD steps of the linear model on features, for ANY map phi.

   Mirrors symbolic/features.py (claims ssm.features_one_step, ssm.features_k_step, kernel.one_step).

   phi : 'cV_f -> 'cV_p is a section variable: after the section closes every theorem is quantified
   over it, so nothing about phi is known or used.  The x tokens carry the features
       features phi x i = phi (x i)      (i = 0, 1, ..., the query's included),
   embedded by Ex : 'M_(H, p); the labels y are unchanged.  The theorems are the generic theorems of
   Theorems.v instantiated on the feature sequence: the layer on phi(x) computes GD of the implicit
   model y = W phi(x), W : 'M_(m, p), at every prefix t, with the statistics
       A lam t = sum_(i < t) lam^(t-1-i) y_i phi(x_i)^T,   G lam t = sum_(i < t) lam^(t-1-i) phi(x_i) phi(x_i)^T.

   The kernel view (kernel_one_step): with kernel phi u v = phi(u)^T phi(v) (a scalar) and lam = 1, one
   GD step from 0 predicts
       yhat t = alpha * sum_(i < t.+1) kernel phi (x i) (x t.+1) * y i,
   kernel regression with k(x, x') = phi(x)^T phi(x') scaled by alpha.

   Each theorem is about the layer reading token sequences X (inputs) and Y (labels), with the hypotheses
   X = features phi x and Y = y: a generated file (proofs/coq/generate.py) prints X and Y from its data
   map and closes these by reflexivity, like the record's fields.  The right-hand sides are always GD on
   features phi x and labels y, so a file whose layer reads another query map or mapped labels is refused
   (quickly: the equation of sequences does not reduce). *)

Set Warnings "-notation-overridden,-ambiguous-paths".
From GDSSM Require Import Prelude.
From GDSSM Require Import Task Layer Theorems.
Set Implicit Arguments. Unset Strict Implicit. Unset Printing Implicit Defensive.
Local Open Scope ring_scope.

Section Features.
Variable R : comRingType.
Variables f p m H : nat.
Variable phi : 'cV[R]_f -> 'cV[R]_p.
Variable Ex : 'M[R]_(H, p).
Variable Ey : 'M[R]_(H, m).
Variable x : nat -> 'cV[R]_f.
Variable y : nat -> 'cV[R]_m.

(* the data of the implicit model on features: phi(x_i) *)
Definition features (i : nat) : 'cV[R]_p := phi (x i).

(* the kernel of the features: k(u, v) = phi(u)^T phi(v) *)
Definition kernel (u v : 'cV[R]_f) : R := ((phi u)^T *m phi v) 0 0.

Hypothesis Hx : Ex^T *m Ex = 1%:M.
Hypothesis Hy : Ey^T *m Ey = 1%:M.

(* ssm.features_one_step: the paper's construction on phi(x) is one GD step on the features *)
Theorem features_one_step X Y (pr : params R m H) (lam alpha : R) t :
  X = features -> Y = y -> Q pr = [:: [:: 0; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V2 pr = 1%:M -> Lam pr = const_mx lam -> d pr = [:: 0; 0; 1] ->
  C pr = alpha *: Ey^T -> F pr = 0 -> k pr = 1%N -> c pr 0%N = 1 ->
  yhat Ex Ey X Y pr t =
  gdW (fun=> alpha) (fun=> 1) 0 (G features lam t.+1) (A features y lam t.+1) 1 *m phi (x t.+1).
Proof. by move=> -> ->; exact: (one_step_generic features y Hx Hy). Qed.

(* kernel.one_step: one GD step from 0 on features is kernel regression scaled by alpha *)
Lemma mul_cV_mx11 n (v : 'cV[R]_n) (M : 'M[R]_1) : v *m M = M 0 0 *: v.
Proof. by rewrite [M]mx11_scalar mul_mx_scalar mxE mulr1n. Qed.

Theorem kernel_one_step X Y (pr : params R m H) (alpha : R) t :
  X = features -> Y = y -> Q pr = [:: [:: 0; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V2 pr = 1%:M -> Lam pr = const_mx 1 -> d pr = [:: 0; 0; 1] ->
  C pr = alpha *: Ey^T -> F pr = 0 -> k pr = 1%N -> c pr 0%N = 1 ->
  yhat Ex Ey X Y pr t = alpha *: \sum_(i < t.+1) kernel (x i) (x t.+1) *: y i.
Proof.
move=> -> -> HQ HV2 HL Hd HC HF Hk Hc.
rewrite (one_step_generic_stat features y Hx Hy t HQ HV2 HL Hd HC HF Hk Hc) A_sum mulmx_suml.
congr (_ *: _); apply: eq_bigr => i _.
by rewrite expr1n scale1r -mulmxA mul_cV_mx11.
Qed.

Hypothesis Hxy : Ex^T *m Ey = 0.

(* ssm.features_k_step: our single-state construction on phi(x) is k GD steps on the features *)
Theorem features_k_step X Y (pr : params R m H) (lam : R) (alpha rhos : nat -> R) (K t : nat) :
  X = features -> Y = y -> Q pr = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 pr = 1%:M -> V2 pr = 1%:M -> Lam pr = const_mx lam -> d pr = [:: 0; 0; 1] ->
  C pr = Ey^T -> F pr = 0 -> Rm pr = Ex *m Ex^T -> k pr = K ->
  mkseq (c pr) K = mkseq (fun j => alpha (K.-1 - j)%N) K ->
  mkseq (beta pr) K.-1 = mkseq (fun j => alpha (K.-1 - j)%N) K.-1 ->
  mkseq (rho pr) K.-1 = mkseq (fun j => rhos (K.-1 - j)%N) K.-1 ->
  yhat Ex Ey X Y pr t =
  gdW alpha rhos 0 (G features lam t.+1) (A features y lam t.+1) K *m phi (x t.+1).
Proof. by move=> -> ->; exact: (k_step_generic features y Hx Hy Hxy). Qed.

End Features.
