(* Task.v -- the in-context regression task and gradient descent on it.

   Mirrors symbolic/task.py (statistics) and symbolic/gd.py (gd_weights, closed_form).

   Index convention (0-based): the data are x : nat -> 'cV_f, y : nat -> 'cV_m; example i is
   (x i, y i), i = 0, 1, ...  The prefix t holds examples 0 .. t-1 (Python's examples 1..t), and
   its discounted statistics are

       A lam t = \sum_(i < t) lam ^+ (t.-1 - i) *: (y i *m (x i)^T)     (m x f)
       G lam t = \sum_(i < t) lam ^+ (t.-1 - i) *: (x i *m (x i)^T)     (f x f)

   defined by the recursion A_0 = 0, A_{t+1} = lam A_t + y_t x_t^T (as `statistics` does);
   the big-sum form is the lemma A_sum / G_sum.

   Gradient descent (gd_weights, preconditioner P = I): scaled step sizes alpha_j = eta_j / N and
   decays rho_j = 1 - eta_j gamma are ring elements, so everything works over any comRingType:

       gdW alpha rho W0 G A 0      = W0
       gdW alpha rho W0 G A j.+1   = gdW .. j *m (rho j *: 1%:M - alpha j *: G) + alpha j *: A
                                   = rho j *: W_j - alpha j *: (W_j *m G - A)       (gdW_step)

   Step j uses alpha j and rho j (j = 0 .. k-1).  Closed forms: gdW_unrolled (any steps, the
   general formula of gd.closed_form), gd_closed_form_decay (constant alpha and rho) and
   gd_closed_form (constant alpha, rho = 1: claim gd.closed_form).

   MathComp's square-matrix ring needs a positive size, so powers and products of f x f matrices
   are explicit Fixpoints (mxpow, stepprod) for an arbitrary f. *)

Set Warnings "-notation-overridden,-ambiguous-paths".
From GDSSM Require Import Prelude.
Set Implicit Arguments. Unset Strict Implicit. Unset Printing Implicit Defensive.
Local Open Scope ring_scope.

(* ------------------------------------------------------------------------- *)
(* Discounted sufficient statistics.                                           *)

Section Statistics.
Variable R : comRingType.
Variables f m : nat.
Variable x : nat -> 'cV[R]_f.
Variable y : nat -> 'cV[R]_m.

Fixpoint A (lam : R) (t : nat) : 'M[R]_(m, f) :=
  if t is t'.+1 then lam *: A lam t' + y t' *m (x t')^T else 0.

Fixpoint G (lam : R) (t : nat) : 'M[R]_f :=
  if t is t'.+1 then lam *: G lam t' + x t' *m (x t')^T else 0.

(* the recursion unrolled: a discounted sum *)
Section DiscSum.
Variables p q : nat.
Lemma discounted_sum (lam : R) (S Z : nat -> 'M[R]_(p, q)) :
  S 0%N = 0 -> (forall t, S t.+1 = lam *: S t + Z t) ->
  forall t, S t = \sum_(i < t) lam ^+ (t.-1 - i) *: Z i.
Proof.
move=> S0 SS; elim=> [|t IH]; first by rewrite S0 big_ord0.
rewrite SS IH big_ord_recr /= subnn expr0 scale1r scaler_sumr; congr (_ + _).
apply: eq_bigr => i _; rewrite scalerA -exprS; congr (_ ^+ _ *: _).
by case: t {IH} i => [[]//|t] i; rewrite /= -subSn // -ltnS.
Qed.
End DiscSum.

Lemma A_sum lam t : A lam t = \sum_(i < t) lam ^+ (t.-1 - i) *: (y i *m (x i)^T).
Proof. exact: (@discounted_sum _ _ lam (A lam) (fun i => y i *m (x i)^T)). Qed.

Lemma G_sum lam t : G lam t = \sum_(i < t) lam ^+ (t.-1 - i) *: (x i *m (x i)^T).
Proof. exact: (@discounted_sum _ _ lam (G lam) (fun i => x i *m (x i)^T)). Qed.

End Statistics.

(* ------------------------------------------------------------------------- *)
(* Gradient descent.                                                            *)

Section GD.
Variable R : comRingType.
Variables f m : nat.

(* the factor of step j: rho_j I - alpha_j G *)
Definition stepmx (alpha rho : nat -> R) (G : 'M[R]_f) (j : nat) : 'M[R]_f :=
  rho j *: 1%:M - alpha j *: G.

Fixpoint gdW (alpha rho : nat -> R) (W0 : 'M[R]_(m, f)) (G : 'M[R]_f) (A : 'M[R]_(m, f))
    (j : nat) : 'M[R]_(m, f) :=
  if j is j'.+1 then gdW alpha rho W0 G A j' *m stepmx alpha rho G j' + alpha j' *: A else W0.

Lemma gdW_step alpha rho W0 G A j :
  gdW alpha rho W0 G A j.+1 =
  rho j *: gdW alpha rho W0 G A j - alpha j *: (gdW alpha rho W0 G A j *m G - A).
Proof.
rewrite /= /stepmx mulmxBr -scalemxAr mulmx1 -scalemxAr scalerBr opprB.
by rewrite [alpha j *: A - _]addrC addrA.
Qed.

(* explicit matrix power B^j and ordered products M_s M_{s+1} ... M_{s+n-1} *)
Fixpoint mxpow (B : 'M[R]_f) (j : nat) : 'M[R]_f :=
  if j is j'.+1 then B *m mxpow B j' else 1%:M.

Fixpoint stepprod (M : nat -> 'M[R]_f) (s n : nat) : 'M[R]_f :=
  if n is n'.+1 then M s *m stepprod M s.+1 n' else 1%:M.

Lemma mxpowSr B j : mxpow B j.+1 = mxpow B j *m B.
Proof.
elim: j => [|j IH] /=; first by rewrite mulmx1 mul1mx.
by rewrite -mulmxA -IH.
Qed.

Lemma stepprodSr M s n : stepprod M s n.+1 = stepprod M s n *m M (s + n)%N.
Proof.
elim: n s => [|n IH] s; first by rewrite /= addn0 mulmx1 mul1mx.
rewrite -[stepprod M s n.+2]/(M s *m stepprod M s.+1 n.+1) IH.
by rewrite -[stepprod M s n.+1]/(M s *m stepprod M s.+1 n) mulmxA addSnnS.
Qed.

(* the general closed form of gd.closed_form (P = I):
   W_k = W_0 prod_{j<k} M_j + sum_{s<k} alpha_s A prod_{s<i<k} M_i *)
Lemma gdW_unrolled alpha rho W0 G A k :
  gdW alpha rho W0 G A k =
  W0 *m stepprod (stepmx alpha rho G) 0 k +
  \sum_(s < k) alpha s *: (A *m stepprod (stepmx alpha rho G) s.+1 (k - s.+1)).
Proof.
elim: k => [|k IH]; first by rewrite /= mulmx1 big_ord0 addr0.
rewrite [LHS]/= IH stepprodSr big_ord_recr /= subnn mulmx1 add0n addrA.
rewrite mulmxDl mulmxA; congr (_ + _ + _).
rewrite mulmx_suml; apply: eq_bigr => s _.
rewrite -scalemxAl -mulmxA subSS -(subnSK (ltn_ord s)) stepprodSr.
by rewrite subnKC.
Qed.

(* constant step size and decay: W_k = W0 B^k + alpha A sum_{j<k} B^j with B = rho I - alpha G *)
Lemma gd_closed_form_decay (alpha rho : R) (W0 : 'M[R]_(m, f)) (G : 'M[R]_f) (A : 'M[R]_(m, f))
    (k : nat) :
  gdW (fun=> alpha) (fun=> rho) W0 G A k =
  W0 *m mxpow (rho *: 1%:M - alpha *: G) k +
  alpha *: (A *m \sum_(j < k) mxpow (rho *: 1%:M - alpha *: G) j).
Proof.
set B := rho *: 1%:M - alpha *: G.
elim: k => [|k IH]; first by rewrite /= big_ord0 mulmx0 scaler0 addr0 mulmx1.
rewrite [LHS]/= IH -/B /stepmx -/B mulmxDl -mulmxA -mxpowSr -addrA; congr (_ + _).
rewrite -scalemxAl -scalerDr; congr (_ *: _).
rewrite big_ord_recl /= [in RHS]mulmxDr mulmx1 [RHS]addrC -mulmxA mulmx_suml.
by congr (_ *m _ + _); apply: eq_bigr => j _; rewrite -mxpowSr.
Qed.

(* claim gd.closed_form: constant alpha, rho = 1, any W0 *)
Theorem gd_closed_form (alpha : R) (W0 : 'M[R]_(m, f)) (G : 'M[R]_f) (A : 'M[R]_(m, f))
    (k : nat) :
  gdW (fun=> alpha) (fun=> 1) W0 G A k =
  W0 *m mxpow (1%:M - alpha *: G) k +
  alpha *: (A *m \sum_(j < k) mxpow (1%:M - alpha *: G) j).
Proof. by rewrite gd_closed_form_decay scale1r. Qed.

(* the closed form for any sequences with the recursions of gd.closed_form's route-1 theorem (factored):
   W_(k+1) = W_k - alpha (W_k G - A), D^(k+1) = D^k (I - alpha G), Z_(k+1) = I + Z_k (I - alpha G),
   D^0 = I, Z_0 = 0 (so W_k = gdW .. k, D^k = mxpow (I - alpha G) k, Z_k = sum_(j<k) D^j, and gd_closed_form);
   proofs/coq/templates/gd_closed_form.v.j2 prints the recursions from the registry *)
Lemma gd_closed_form_rec (alpha : R) (W0 : 'M[R]_(m, f)) (G : 'M[R]_f) (A : 'M[R]_(m, f))
    (Wk : nat -> 'M[R]_(m, f)) (Dk Zk : nat -> 'M[R]_f) :
  Wk 0%N = W0 -> (forall k, Wk k.+1 = Wk k - alpha *: (Wk k *m G - A)) ->
  Dk 0%N = 1%:M -> (forall k, Dk k.+1 = Dk k *m (1%:M - alpha *: G)) ->
  Zk 0%N = 0 -> (forall k, Zk k.+1 = 1%:M + Zk k *m (1%:M - alpha *: G)) ->
  forall k, Wk k = W0 *m Dk k + alpha *: (A *m Zk k).
Proof.
move=> W0E WS D0 DS Z0 ZS k; set B := 1%:M - alpha *: G.
have eW j : Wk j = gdW (fun=> alpha) (fun=> 1) W0 G A j.
  by elim: j => [|j IH]; rewrite ?W0E // WS gdW_step /= scale1r IH.
have eD j : Dk j = mxpow B j.
  by elim: j => [|j IH]; rewrite ?D0 // DS IH -mxpowSr.
have eZ j : Zk j = \sum_(i < j) mxpow B i.
  elim: j => [|j IH]; first by rewrite Z0 big_ord0.
  rewrite ZS IH big_ord_recl /= mulmx_suml; congr (_ + _).
  by apply: eq_bigr => i _; rewrite -mxpowSr.
by rewrite eW eD eZ gd_closed_form.
Qed.

End GD.
