(* Gradient.v -- the claim `gd.gradient` in algebraic form.

   Mirrors: proofs/route1_examples.py `gradient_proof` (claim `gd.gradient` of proofs/claims.py):
       L_N(W) = 1/(2N) tr((W X^T - Y^T)^T (W X^T - Y^T)),  G = X^T X,  A = Y^T X,
       grad_W L_N(W) = (W G - A) / N.

   Index convention: the N examples are the ROWS of the data matrices,
       X : 'M_(N, f)  (row i is x_i^T),   Y : 'M_(N, m)  (row i is y_i^T),
   so G = X^T X = sum_i x_i x_i^T (f x f) and A = Y^T X = sum_i y_i x_i^T (m x f);
   the implicit model is W : 'M_(m, f), W x_i its prediction.

   Exp/log-free: the derivative is stated as the exact second-order expansion of the
   (polynomial) loss along any direction D, i.e. for every s
       L(W + s D) = L(W) + s <grad L(W), D> + s^2 L0(D),     <P, D> := tr(P D^T),
   which determines the gradient uniquely (`frobenius_coeff_unique`).

   * Over a comRingType, with the loss multiplied by 2N (no division): `loss2_expand`
       loss2 (W + s D) = loss2 W + 2 s tr((W G - A) D^T) + s^2 tr(D G D^T).
   * Over a fieldType, with 2 != 0 and N != 0 in R (both needed: the 1/(2N) of the loss must
     cancel against the 2 of the cross term): `gd_gradient`
       lossN (W + s D) = lossN W + s tr(gradN W D^T) + s^2 lossN0 D,
       gradN W = N^-1 (W G - A),  lossN W = (2N)^-1 loss2 W,  lossN0 D = (2N)^-1 tr(D G D^T),
     and gradN W is the only matrix with this property (`gd_gradient_unique`).
   Names: G = `Gm X`, A = `Am X Y` (prefixed so as not to clash with Task.A / Task.G).
   Nothing is taken as a definition beyond the loss itself. *)
Set Warnings "-notation-overridden,-ambiguous-paths".
From GDSSM Require Import Prelude.
Set Implicit Arguments. Unset Strict Implicit. Unset Printing Implicit Defensive.
Local Open Scope ring_scope.

Section Moments.
Variable R : comRingType.
Variables N f m : nat.
Variable X : 'M[R]_(N, f).
Variable Y : 'M[R]_(N, m).

Definition Gm : 'M[R]_f := X^T *m X.
Definition Am : 'M[R]_(m, f) := Y^T *m X.

(* the residual matrix: column i is W x_i - y_i *)
Definition resid (W : 'M[R]_(m, f)) : 'M[R]_(m, N) := W *m X^T - Y^T.

(* 2N L_N(W) = tr((W X^T - Y^T)^T (W X^T - Y^T)) = sum_i |W x_i - y_i|^2 *)
Definition loss2 (W : 'M[R]_(m, f)) : R := \tr ((resid W)^T *m resid W).

(* the quadratic part: 2N L_N(D) with Y = 0 *)
Definition loss2_0 (D : 'M[R]_(m, f)) : R := \tr (D *m Gm *m D^T).

Lemma Gm_sym : Gm^T = Gm.
Proof. by rewrite /Gm trmx_mul trmxK. Qed.

Lemma resid_dir (W D : 'M[R]_(m, f)) s :
  resid (W + s *: D) = resid W + s *: (D *m X^T).
Proof. by rewrite /resid mulmxDl -scalemxAl addrAC. Qed.

(* trace of a^T b equals that of b^T a *)
Let tr_sym p q (a b : 'M[R]_(p, q)) : \tr (b^T *m a) = \tr (a^T *m b).
Proof. by rewrite -mxtrace_tr trmx_mul trmxK. Qed.

(* the square of a sum, under the trace *)
Lemma quad_expand p q (E B : 'M[R]_(p, q)) (s : R) :
  \tr ((E + s *: B)^T *m (E + s *: B))
  = \tr (E^T *m E) + s * 2 * \tr (E^T *m B) + s ^+ 2 * \tr (B^T *m B).
Proof.
have -> : (E + s *: B)^T = E^T + s *: B^T by rewrite linearD linearZ.
rewrite mulmxDl !mulmxDr !mxtraceD -!scalemxAr -!scalemxAl !mxtraceZ.
rewrite [\tr (B^T *m E)]tr_sym mulrA -expr2 -!addrA; congr (_ + _); rewrite !addrA.
by congr (_ + _); rewrite -mulrA mulr_natl mulr2n mulrDr.
Qed.

Lemma cross_term (W D : 'M[R]_(m, f)) :
  \tr ((resid W)^T *m (D *m X^T)) = \tr ((W *m Gm - Am) *m D^T).
Proof.
by rewrite mxtrace_mulC /resid -mxtrace_tr !trmx_mul !trmxK /Gm /Am !mulmxBl !mulmxA.
Qed.

Lemma quad_term (D : 'M[R]_(m, f)) :
  \tr ((D *m X^T)^T *m (D *m X^T)) = loss2_0 D.
Proof. by rewrite mxtrace_mulC /loss2_0 /Gm trmx_mul trmxK !mulmxA. Qed.

Theorem loss2_expand (W D : 'M[R]_(m, f)) (s : R) :
  loss2 (W + s *: D)
  = loss2 W + s * 2 * \tr ((W *m Gm - Am) *m D^T) + s ^+ 2 * loss2_0 D.
Proof.
by rewrite /loss2 resid_dir quad_expand cross_term quad_term.
Qed.

(* the coefficient matrix of a linear functional D |-> tr(P D^T) is unique *)
Lemma frobenius_coeff_unique (P P' : 'M[R]_(m, f)) :
  (forall D : 'M[R]_(m, f), \tr (P *m D^T) = \tr (P' *m D^T)) -> P = P'.
Proof.
move=> eqP; apply/matrixP => i j; have := eqP (delta_mx i j).
rewrite trmx_delta.
have trd (Q : 'M[R]_(m, f)) : \tr (Q *m delta_mx j i) = Q i j.
  rewrite /mxtrace (bigD1 i) //= big1 ?addr0 => [|k ki]; rewrite mxE.
    rewrite (bigD1 j) //= big1 ?addr0 => [|l lj]; rewrite mxE eqxx.
      by rewrite !eqxx mulr1.
    by rewrite (negbTE lj) mulr0.
  by rewrite big1 // => l _; rewrite mxE (negbTE ki) andbF mulr0.
by rewrite !trd.
Qed.
End Moments.

Section FieldGradient.
Variable R : fieldType.
Variables N f m : nat.
Variable X : 'M[R]_(N, f).
Variable Y : 'M[R]_(N, m).
Hypothesis H2 : 2%:R != 0 :> R.
Hypothesis HN : N%:R != 0 :> R.

(* L_N(W) = 1/(2N) sum_i |W x_i - y_i|^2 *)
Definition lossN (W : 'M[R]_(m, f)) : R := (2 * N%:R)^-1 * loss2 X Y W.
(* its quadratic part, L_N with Y = 0: 1/(2N) tr(D G D^T) *)
Definition lossN0 (D : 'M[R]_(m, f)) : R := (2 * N%:R)^-1 * loss2_0 X D.
Definition gradN (W : 'M[R]_(m, f)) : 'M[R]_(m, f) := N%:R^-1 *: (W *m Gm X - Am X Y).

Theorem gd_gradient (W D : 'M[R]_(m, f)) (s : R) :
  lossN (W + s *: D) = lossN W + s * \tr (gradN W *m D^T) + s ^+ 2 * lossN0 D.
Proof.
rewrite /lossN /lossN0 /gradN loss2_expand -scalemxAl mxtraceZ.
set t := \tr (_ *m D^T); set c := (2 * N%:R)^-1.
have e : c * 2 = N%:R^-1 by rewrite /c invfM mulrAC mulVf ?mul1r.
rewrite 2!mulrDr; congr (_ + _ + _); last by rewrite mulrCA.
by rewrite -mulrA mulrCA [c * _]mulrA e mulrCA.
Qed.

(* and gradN W is the only matrix with that property *)
Corollary gd_gradient_unique (W P : 'M[R]_(m, f)) :
  (forall (D : 'M[R]_(m, f)) (s : R),
      lossN (W + s *: D) = lossN W + s * \tr (P *m D^T) + s ^+ 2 * lossN0 D) ->
  P = gradN W.
Proof.
move=> hP; apply: frobenius_coeff_unique => D.
have := hP D 1; rewrite gd_gradient !mul1r => /addIr /addrI.
by move=> ->.
Qed.
End FieldGradient.
