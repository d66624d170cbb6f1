(* CrossEntropy.v -- the claim `ce.one_step`: one GD step from W = 0 on the cross-entropy loss
   is the least-squares one-step predictor plus the same constant in every logit.

   Mirrors: symbolic/cross_entropy.py `cross_entropy_one_step` (claim `ce.one_step` of proofs/claims.py).

   Setting: K classes, logits W x with W : 'M_(K, f), N examples x_i : 'cV_f, labels y_i : 'cV_K
   (indexed by i : 'I_N, i.e. i = 0..N-1), query xq : 'cV_f, step eta, and (prefixed ce_ so as not
   to clash with Task.v / Layer.v)
       ce_alpha = alpha = eta / N,  ce_A = A = sum_i y_i x_i^T,  ce_s = s = sum_i x_i,
       ce_ones = 1 = const_mx 1 : 'cV_K.
   Loss (not formalised): L(W) = -(1/N) sum_i y_i^T log softmax(W x_i).

   WHAT IS TAKEN AS A DEFINITION (exp and log are not part of MathComp's algebraic hierarchy):
   (a) softmax at the zero logit vector is the uniform vector, softmax(0) = (1/K) 1:
       this is `p0` below, a definition, not derived from exp;
   (b) the derivative of the per-example loss -y^T log softmax(W x) with respect to W is
       ((1^T y) softmax(W x) - y) x^T (the derivative of log-softmax); at W = 0 it is therefore
       ((1^T y) p0 - y) x^T.  This is `grad0_gen` below, a definition, not derived by calculus.
   Everything after that is proved: with one-hot labels (only 1^T y_i = 1 is used) `grad0_gen`
   equals `grad0 := N^-1 sum_i (p0 - y_i) x_i^T` (`grad0_one_hot`), p0 is a probability vector when
   K != 0 (`p0_sum`), and the one-step logits are
       W_1 = - eta grad0 = alpha (A - (1/K) 1 s^T)                       (`ce_W1`),
       (- eta grad0) xq = alpha A xq - (alpha / K) (s^T xq) 1          (`ce_one_step`),
   so W_1 xq - alpha A xq is a multiple of 1, the same shift in every logit (`ce_shift_constant`).
   The identity `ce_one_step` itself needs neither K != 0 nor N != 0 in R (MathComp sets 0^-1 = 0);
   the hypothesis K != 0 is used only for `p0_sum`, i.e. for reading p0 as softmax(0). *)
Set Warnings "-notation-overridden,-ambiguous-paths".
From GDSSM Require Import Prelude.
Set Implicit Arguments. Unset Strict Implicit. Unset Printing Implicit Defensive.
Local Open Scope ring_scope.

Section CrossEntropy.
Variable R : fieldType.
Variables N f K : nat.
Variable x : 'I_N -> 'cV[R]_f.
Variable y : 'I_N -> 'cV[R]_K.
Variable xq : 'cV[R]_f.
Variable eta : R.

Definition ce_alpha : R := eta / N%:R.
Definition ce_A : 'M[R]_(K, f) := \sum_(i < N) y i *m (x i)^T.
Definition ce_s : 'cV[R]_f := \sum_(i < N) x i.
Definition ce_ones : 'cV[R]_K := const_mx 1.

(* (a) softmax(0) = (1/K) 1, by definition *)
Definition p0 : 'cV[R]_K := K%:R^-1 *: ce_ones.

(* (b) the gradient of L at W = 0, by the log-softmax derivative (1^T y) softmax(Wx) - y at W = 0 *)
Definition grad0_gen : 'M[R]_(K, f) :=
  N%:R^-1 *: \sum_(i < N) (((\sum_(c < K) y i c 0) *: p0 - y i) *m (x i)^T).

(* the form stated in the brief / in cross_entropy.py's docstring *)
Definition grad0 : 'M[R]_(K, f) :=
  N%:R^-1 *: \sum_(i < N) ((K%:R^-1 *: const_mx 1 - y i) *m (x i)^T).

Lemma p0_sum : K%:R != 0 :> R -> \sum_(c < K) p0 c 0 = 1.
Proof.
move=> HK; rewrite (eq_bigr (fun=> K%:R^-1)) => [|c _]; last by rewrite !mxE mulr1.
by rewrite sumr_const card_ord -[K%:R^-1 *+ K]mulr_natr mulVf.
Qed.

Lemma grad0_one_hot :
  (forall i, \sum_(c < K) y i c 0 = 1) -> grad0_gen = grad0.
Proof.
move=> hy; rewrite /grad0_gen /grad0; congr (_ *: _); apply: eq_bigr => i _.
by rewrite hy scale1r.
Qed.

(* a column times a 1x1 matrix is a scalar multiple *)
Lemma mul_col_11 n (u : 'cV[R]_n) (a : 'M[R]_1) : u *m a = a 0 0 *: u.
Proof.
by apply/matrixP => i j; rewrite !mxE big_ord1 !ord1 mulrC.
Qed.

Lemma grad0_closed : grad0 = N%:R^-1 *: (p0 *m ce_s^T - ce_A).
Proof.
rewrite /grad0 /ce_A /ce_s; congr (_ *: _).
rewrite (eq_bigr (fun i => p0 *m (x i)^T - y i *m (x i)^T)) => [|i _]; last by rewrite mulmxBl.
by rewrite sumrB; congr (_ - _); rewrite linear_sum mulmx_sumr.
Qed.

(* the weights themselves: W_1 = -eta grad0 = alpha (A - (1/K) 1 s^T) *)
Lemma ce_W1 : - eta *: grad0 = ce_alpha *: (ce_A - K%:R^-1 *: (ce_ones *m ce_s^T)).
Proof.
rewrite grad0_closed scalerA /p0 -scalemxAl /ce_alpha.
by rewrite mulNr scaleNr -scalerN opprB.
Qed.

Theorem ce_one_step :
  (- eta *: grad0) *m xq
  = ce_alpha *: (ce_A *m xq) - (ce_alpha / K%:R) *: ((ce_s^T *m xq) 0 0 *: const_mx 1).
Proof.
rewrite grad0_closed -!scalemxAl scalerA mulmxBl scalerBr -scalemxAl -mulmxA mul_col_11.
by rewrite /ce_alpha /ce_ones !scalerA mulNr !scaleNr opprK addrC !mulNr scaleNr.
Qed.

(* the correction is the same in every logit, so softmax(W_1 xq) = softmax(alpha A xq) *)
Corollary ce_shift_constant (c c' : 'I_K) :
  ((- eta *: grad0) *m xq - ce_alpha *: (ce_A *m xq)) c 0
  = ((- eta *: grad0) *m xq - ce_alpha *: (ce_A *m xq)) c' 0.
Proof. by rewrite ce_one_step addrAC subrr add0r !mxE. Qed.
End CrossEntropy.

(* The examples as the rows of matrices, X : 'M_(N, f) and Y : 'M_(N, K) (x_i = (row i X)^T, y_i = (row i Y)^T):
   A = Y^T X, s = X^T 1 and grad0 = N^-1 ((1/K) 1 1^T X - Y^T X), the matrix form in which
   proofs/theories/cross_entropy.py states ce.one_step (proofs/coq/templates/ce_one_step.v.j2 prints it). *)
Section CrossEntropyRows.
Variable R : fieldType.
Variables N f K : nat.
Variables (X : 'M[R]_(N, f)) (Y : 'M[R]_(N, K)).

Definition ce_rows (n : nat) (M : 'M[R]_(N, n)) (i : 'I_N) : 'cV[R]_n := (row i M)^T.

Lemma mulTmx_sum_row a b (M : 'M[R]_(N, a)) (P : 'M[R]_(N, b)) :
  M^T *m P = \sum_(i < N) (row i M)^T *m row i P.
Proof.
apply/matrixP => r c; rewrite !mxE summxE; apply: eq_bigr => i _.
by rewrite !mxE big_ord1 !mxE.
Qed.

Lemma ce_A_rows : ce_A (ce_rows X) (ce_rows Y) = Y^T *m X.
Proof. by rewrite /ce_A mulTmx_sum_row; apply: eq_bigr => i _; rewrite /ce_rows trmxK. Qed.

Lemma ce_s_rows : ce_s (ce_rows X) = X^T *m (const_mx 1 : 'cV[R]_N).
Proof.
rewrite /ce_s mulTmx_sum_row; apply: eq_bigr => i _.
by rewrite /ce_rows row_const mul_col_11 mxE scale1r.
Qed.

Lemma grad0_rows :
  grad0 (ce_rows X) (ce_rows Y) =
  N%:R^-1 *: (K%:R^-1 *: ((const_mx 1 : 'cV[R]_K) *m (const_mx 1 : 'cV[R]_N)^T *m X) - Y^T *m X).
Proof.
rewrite grad0_closed ce_A_rows ce_s_rows /p0 /ce_ones trmx_mul trmxK -scalemxAl mulmxA.
by [].
Qed.

Lemma rows_one_hot : (forall i, \sum_(c < K) Y i c = 1) -> forall i, \sum_(c < K) ce_rows Y i c 0 = 1.
Proof. by move=> hot i; rewrite -(hot i); apply: eq_bigr => c _; rewrite !mxE. Qed.
End CrossEntropyRows.
