(* Theorems.v -- generic correctness theorems of the GD-SSM layer (Layer.v) against GD (Task.v).

   Mirrors the claims of symbolic/constructions.py (one_step, k_step) for ALL dimensions f, m, H,
   every prefix t, every number of steps K, over any comRingType R.

   Each theorem takes a `p : params R m H` and explicit equality hypotheses on its fields, so that
   a file with literal weights can apply it and close each hypothesis by `reflexivity`.  The
   readout constants of the k-step theorems are constrained only where the layer reads them,
   through `mkseq (field p) n = mkseq (fun j => ...) n` (n = K for c, K.-1 for rho and beta): this
   closes by reflexivity both for literal K and for a field given literally as that function.

   0-based convention (see Layer.v): `yhat ... p t` is the output after window t; it reads the state
   S_{t+1} and the query x_{t+1}, and the statistics are those of the examples 0 .. t, i.e.
   A lam t.+1 and G lam t.+1.

   Usage (R, dimensions and Ex, Ey implicit; the data x y explicit, then the embedding facts):
       apply: (k_step_generic x y Hx Hy Hxy); reflexivity.

   Claims: ssm.state (state_one_step, state_joint), ssm.one_step (one_step_generic), ssm.one_step_w0
   (one_step_w0_generic), ssm.k_step / discounted / weight_decay / per_step_eta (k_step_generic
   and its corollaries ssm_k_step, ssm_discounted, ssm_weight_decay, ssm_per_step_eta). *)

Set Warnings "-notation-overridden,-ambiguous-paths".
From GDSSM Require Import Prelude.
From GDSSM Require Import Task Layer.
Set Implicit Arguments. Unset Strict Implicit. Unset Printing Implicit Defensive.
Local Open Scope ring_scope.

Section Theorems.
Variable R : comRingType.
Variables f m H : nat.
Variable Ex : 'M[R]_(H, f).
Variable Ey : 'M[R]_(H, m).
Variable x : nat -> 'cV[R]_f.
Variable y : nat -> 'cV[R]_m.

Local Notation A := (A x y).
Local Notation G := (G x).
Local Notation u := (u Ex Ey x).
Local Notation Mt := (Mt Ex Ey x y).
Local Notation S := (S Ex Ey x y).
Local Notation qv := (qv Ex Ey x y).
Local Notation r := (r Ex Ey x y).
Local Notation yhat := (yhat Ex Ey x y).

(* ------------------------------------------------------------------------- *)
(* Generic facts about the layer.                                               *)

Lemma big3 n1 n2 (Z : 'I_3 -> 'M[R]_(n1, n2)) :
  \sum_(a < 3) Z a = Z (@Ordinal 3 0 isT) + Z (@Ordinal 3 1 isT) + Z (@Ordinal 3 2 isT).
Proof.
rewrite !big_ord_recr big_ord0 /= add0r.
by congr (Z _ + Z _ + Z _); apply: val_inj.
Qed.

Lemma hadamard_const (lam : R) (Z : 'M[R]_H) : hadamard (const_mx lam) Z = lam *: Z.
Proof. by apply/matrixP => i j; rewrite !mxE. Qed.

Lemma S_step_const (p : params R m H) lam t :
  Lam p = const_mx lam -> S p t.+1 = lam *: S p t + Mt p t.
Proof. by move=> HL; rewrite /= HL hadamard_const. Qed.

(* Q = e_2 e_1^T (paper's one-step mixing): M_t = (V2 Ey y_t) (Ex x_t)^T *)
Lemma Mt_one_step (p : params R m H) t :
  Q p = [:: [:: 0; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  Mt p t = V2 p *m (Ey *m y t) *m (Ex *m x t)^T.
Proof.
move=> HQ; rewrite /Mt big3 !big3 /Qab HQ /=.
by rewrite !scale0r scale1r !add0r !addr0.
Qed.

(* Q = (e_1 + e_2) e_1^T (joint mixing): M_t = (V1 Ex x_t + V2 Ey y_t) (Ex x_t)^T *)
Lemma Mt_joint (p : params R m H) t :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  Mt p t = V1 p *m (Ex *m x t) *m (Ex *m x t)^T + V2 p *m (Ey *m y t) *m (Ex *m x t)^T.
Proof.
move=> HQ; rewrite /Mt big3 !big3 /Qab HQ /=.
by rewrite !scale0r !scale1r !addr0.
Qed.

Lemma r0 (p : params R m H) t : r p t 0%N = qv p t.
Proof. by []. Qed.

Lemma qv_query (p : params R m H) t : d p = [:: 0; 0; 1] -> qv p t = Ex *m x t.+1.
Proof. by move=> Hd; rewrite /qv big3 /da Hd /= !scale0r scale1r !add0r. Qed.

(* the state with joint mixing, any value map V1 *)
Lemma state_joint_V1 (p : params R m H) (lam : R) t :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V2 p = 1%:M -> Lam p = const_mx lam ->
  S p t = V1 p *m Ex *m G lam t *m Ex^T + Ey *m A lam t *m Ex^T.
Proof.
move=> HQ HV2 HL; elim: t => [|t IH]; first by rewrite /= !mulmx0 !mul0mx addr0.
rewrite (S_step_const _ HL) IH Mt_joint // HV2 mul1mx /=.
rewrite !mulmxDr !mulmxDl scalerDr -!scalemxAr -!scalemxAl !trmx_mul !mulmxA.
by rewrite addrACA.
Qed.

(* ------------------------------------------------------------------------- *)
(* Claim ssm.state.                                                             *)

Theorem state_one_step (p : params R m H) (lam : R) t :
  Q p = [:: [:: 0; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V2 p = 1%:M -> Lam p = const_mx lam ->
  S p t = Ey *m A lam t *m Ex^T.
Proof.
move=> HQ HV2 HL; elim: t => [|t IH]; first by rewrite /= mulmx0 mul0mx.
rewrite (S_step_const _ HL) IH Mt_one_step // HV2 mul1mx /=.
by rewrite mulmxDr mulmxDl -scalemxAr -scalemxAl trmx_mul !mulmxA.
Qed.

Theorem state_joint (p : params R m H) (lam : R) t :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = 1%:M -> V2 p = 1%:M -> Lam p = const_mx lam ->
  S p t = Ex *m G lam t *m Ex^T + Ey *m A lam t *m Ex^T.
Proof. by move=> HQ HV1 HV2 HL; rewrite (state_joint_V1 _ HQ HV2 HL) HV1 mul1mx. Qed.

(* ------------------------------------------------------------------------- *)
(* Claim ssm.one_step (W0 = 0).                                                 *)

Section OneStep.
Hypothesis Hx : Ex^T *m Ex = 1%:M.
Hypothesis Hy : Ey^T *m Ey = 1%:M.

Lemma one_step_generic_stat (p : params R m H) (lam alpha : R) t :
  Q p = [:: [:: 0; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V2 p = 1%:M -> Lam p = const_mx lam -> d p = [:: 0; 0; 1] ->
  C p = alpha *: Ey^T -> F p = 0 -> k p = 1%N -> c p 0%N = 1 ->
  yhat p t = alpha *: (A lam t.+1 *m x t.+1).
Proof.
move=> HQ HV2 HL Hd HC HF Hk Hc.
rewrite /yhat Hk big_ord1 Hc scale1r r0 qv_query // HF mul0mx addr0 HC.
rewrite (state_one_step _ HQ HV2 HL) -scalemxAl; congr (_ *: _).
by rewrite !mulmxA Hy mul1mx -!mulmxA [Ex^T *m (Ex *m _)]mulmxA Hx mul1mx.
Qed.

Theorem one_step_generic (p : params R m H) (lam alpha : R) t :
  Q p = [:: [:: 0; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V2 p = 1%:M -> Lam p = const_mx lam -> d p = [:: 0; 0; 1] ->
  C p = alpha *: Ey^T -> F p = 0 -> k p = 1%N -> c p 0%N = 1 ->
  yhat p t = gdW (fun=> alpha) (fun=> 1) 0 (G lam t.+1) (A lam t.+1) 1 *m x t.+1.
Proof.
move=> HQ HV2 HL Hd HC HF Hk Hc.
by rewrite (one_step_generic_stat _ HQ HV2 HL Hd HC HF Hk Hc) /= mul0mx add0r scalemxAl.
Qed.

(* ------------------------------------------------------------------------- *)
(* Claim ssm.one_step_w0.  No orthogonality Ex^T Ey = 0 is needed.               *)

Let HxL n (X : 'M[R]_(n, f)) : X *m Ex^T *m Ex = X.
Proof. by rewrite -mulmxA Hx mulmx1. Qed.
Let HyL n (X : 'M[R]_(n, m)) : X *m Ey^T *m Ey = X.
Proof. by rewrite -mulmxA Hy mulmx1. Qed.

(* with V1 = - Ey W0 Ex^T the state holds the residual statistics A - W0 G *)
Lemma state_w0 (p : params R m H) (lam : R) (W0 : 'M[R]_(m, f)) t :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = - (Ey *m W0 *m Ex^T) -> V2 p = 1%:M -> Lam p = const_mx lam ->
  S p t = Ey *m (A lam t - W0 *m G lam t) *m Ex^T.
Proof.
move=> HQ HV1 HV2 HL; rewrite (state_joint_V1 _ HQ HV2 HL) HV1 mulNmx HxL.
by rewrite mulmxBr mulmxBl addrC !mulNmx !mulmxA.
Qed.

Lemma one_step_w0_generic_stat (p : params R m H) (lam alpha : R) (W0 : 'M[R]_(m, f)) t :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = - (Ey *m W0 *m Ex^T) -> V2 p = 1%:M -> Lam p = const_mx lam ->
  d p = [:: 0; 0; 1] -> C p = alpha *: Ey^T -> F p = W0 *m Ex^T -> k p = 1%N -> c p 0%N = 1 ->
  yhat p t = (W0 + alpha *: (A lam t.+1 - W0 *m G lam t.+1)) *m x t.+1.
Proof.
move=> HQ HV1 HV2 HL Hd HC HF Hk Hc.
rewrite /yhat Hk big_ord1 Hc scale1r r0 qv_query // HF HC (state_w0 _ HQ HV1 HV2 HL).
rewrite !mulmxA !HxL -scalemxAl Hy -scalemxAl mul1mx.
by rewrite mulmxDl addrC.
Qed.

Theorem one_step_w0_generic (p : params R m H) (lam alpha : R) (W0 : 'M[R]_(m, f)) t :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = - (Ey *m W0 *m Ex^T) -> V2 p = 1%:M -> Lam p = const_mx lam ->
  d p = [:: 0; 0; 1] -> C p = alpha *: Ey^T -> F p = W0 *m Ex^T -> k p = 1%N -> c p 0%N = 1 ->
  yhat p t = gdW (fun=> alpha) (fun=> 1) W0 (G lam t.+1) (A lam t.+1) 1 *m x t.+1.
Proof.
move=> HQ HV1 HV2 HL Hd HC HF Hk Hc.
rewrite (one_step_w0_generic_stat _ HQ HV1 HV2 HL Hd HC HF Hk Hc); congr (_ *m _).
by rewrite gdW_step /= scale1r -scalerN opprB.
Qed.

End OneStep.

(* ------------------------------------------------------------------------- *)
(* Claims ssm.k_step, ssm.discounted, ssm.weight_decay, ssm.per_step_eta.      *)

(* the readout constants, read where the layer uses them *)
Lemma mkseq_eq (g h : nat -> R) n : mkseq g n = mkseq h n -> forall j, (j < n)%N -> g j = h j.
Proof. by move=> E j ltjn; rewrite -(nth_mkseq 0 g ltjn) E nth_mkseq. Qed.

Lemma rS (p : params R m H) t j :
  r p t j.+1 = rho p j *: r p t j - beta p j *: (Rm p *m (S p t.+1 *m r p t j)).
Proof. by []. Qed.

Lemma rev_index K j : (j < K)%N -> (K.-1 - j = K - j.+1)%N.
Proof. by move=> _; rewrite subnS predn_sub. Qed.

Section KStep.
Hypothesis Hx : Ex^T *m Ex = 1%:M.
Hypothesis Hy : Ey^T *m Ey = 1%:M.
Hypothesis Hxy : Ex^T *m Ey = 0.

Let HxL n (X : 'M[R]_(n, f)) : X *m Ex^T *m Ex = X.
Proof. by rewrite -mulmxA Hx mulmx1. Qed.
Let HxyL n (X : 'M[R]_(n, f)) : X *m Ex^T *m Ey = 0.
Proof. by rewrite -mulmxA Hxy mulmx0. Qed.
Let Hyx : Ey^T *m Ex = 0.
Proof. by rewrite -[Ey^T *m Ex]trmxK trmx_mul trmxK Hxy trmx0. Qed.

(* the state with joint mixing and V1 = I - Ey W0 Ex^T: the y-block holds the residual A - W0 G *)
Lemma state_w0_joint (p : params R m H) (lam : R) (W0 : 'M[R]_(m, f)) t :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = 1%:M - Ey *m W0 *m Ex^T -> V2 p = 1%:M -> Lam p = const_mx lam ->
  S p t = Ex *m G lam t *m Ex^T + Ey *m (A lam t - W0 *m G lam t) *m Ex^T.
Proof.
move=> HQ HV1 HV2 HL; rewrite (state_joint_V1 _ HQ HV2 HL) HV1 !mulmxBl mul1mx HxL.
by rewrite mulmxBr mulmxBl -addrA [- _ + _]addrC !mulmxA.
Qed.

(* the k-fold readout for any state of the form Ex Gt Ex^T + Ey At Ex^T (the k-step state from 0 or from W0) *)
Section Readout.
Variables (p : params R m H) (Gt : 'M[R]_f) (At : 'M[R]_(m, f)) (alpha rhos : nat -> R).
Variables (K t : nat).
Hypothesis HSt : S p t.+1 = Ex *m Gt *m Ex^T + Ey *m At *m Ex^T.
Hypothesis Hd : d p = [:: 0; 0; 1].
Hypothesis HR : Rm p = Ex *m Ex^T.
Hypothesis Hbeta : mkseq (beta p) K.-1 = mkseq (fun j => alpha (K.-1 - j)%N) K.-1.
Hypothesis Hrho : mkseq (rho p) K.-1 = mkseq (fun j => rhos (K.-1 - j)%N) K.-1.

Local Notation Ms := (stepmx alpha rhos Gt).

Lemma S_Ex (v : 'cV[R]_f) : S p t.+1 *m (Ex *m v) = Ex *m (Gt *m v) + Ey *m (At *m v).
Proof. by rewrite HSt mulmxDl !mulmxA !HxL. Qed.

Lemma RS_Ex (v : 'cV[R]_f) : Rm p *m (S p t.+1 *m (Ex *m v)) = Ex *m (Gt *m v).
Proof. by rewrite HR S_Ex mulmxDr !mulmxA HxL HxyL !mul0mx addr0. Qed.

Lemma EyS_Ex (v : 'cV[R]_f) : Ey^T *m (S p t.+1 *m (Ex *m v)) = At *m v.
Proof. by rewrite S_Ex mulmxDr !mulmxA Hyx Hy !mul0mx add0r mul1mx. Qed.

Lemma r_closed j : (j < K)%N -> r p t j = Ex *m (stepprod Ms (K - j) j *m x t.+1).
Proof.
elim: j => [|j IH] ltjK; first by rewrite r0 qv_query // subn0 mul1mx.
have ltj : (j < K)%N by apply: ltnW.
have ltj' : (j < K.-1)%N by rewrite ltn_predRL.
rewrite rS (mkseq_eq Hrho ltj') (mkseq_eq Hbeta ltj') rev_index // IH // RS_Ex.
rewrite -(subnSK ltj).
rewrite -[stepprod Ms (K - j.+1) j.+1]/(Ms (K - j.+1) *m stepprod Ms (K - j.+1).+1 j).
by rewrite /stepmx !mulmxA mulmxBr !mulmxBl -!scalemxAr mulmx1 -!scalemxAl.
Qed.

(* the readout sum C S_{t+1} sum_j c_j r_j (C = Ey^T) is K GD steps from 0 on (Gt, At) *)
Lemma readout_sum :
  k p = K -> mkseq (c p) K = mkseq (fun j => alpha (K.-1 - j)%N) K ->
  Ey^T *m (S p t.+1 *m \sum_(j < k p) c p j *: r p t j) = gdW alpha rhos 0 Gt At K *m x t.+1.
Proof.
move=> Hk Hc; rewrite Hk gdW_unrolled mul0mx add0r mulmx_suml.
rewrite [in RHS](reindex_inj rev_ord_inj) !mulmx_sumr; apply: eq_bigr => j _.
have ltjK := ltn_ord j.
have -> : nat_of_ord (rev_ord j) = (K - j.+1)%N by [].
rewrite (mkseq_eq Hc ltjK) rev_index // -!scalemxAr -scalemxAl.
rewrite (r_closed ltjK) EyS_Ex -mulmxA.
by rewrite (subnSK ltjK) (subKn (ltnW ltjK)).
Qed.

End Readout.

(* the most general form: per-step alphas, decays rhos, discount lam, any K *)
Theorem k_step_generic (p : params R m H) (lam : R) (alpha rhos : nat -> R) (K t : nat) :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = 1%:M -> V2 p = 1%:M -> Lam p = const_mx lam -> d p = [:: 0; 0; 1] ->
  C p = Ey^T -> F p = 0 -> Rm p = Ex *m Ex^T -> k p = K ->
  mkseq (c p) K = mkseq (fun j => alpha (K.-1 - j)%N) K ->
  mkseq (beta p) K.-1 = mkseq (fun j => alpha (K.-1 - j)%N) K.-1 ->
  mkseq (rho p) K.-1 = mkseq (fun j => rhos (K.-1 - j)%N) K.-1 ->
  yhat p t = gdW alpha rhos 0 (G lam t.+1) (A lam t.+1) K *m x t.+1.
Proof.
move=> HQ HV1 HV2 HL Hd HC HF HR Hk Hc Hbeta Hrho.
have HSt := state_joint t.+1 HQ HV1 HV2 HL.
by rewrite /yhat HF mul0mx addr0 HC (@readout_sum p _ _ alpha rhos K t HSt Hd HR Hbeta Hrho Hk Hc).
Qed.

(* GD from W0 without decay is W0 plus GD from 0 on the residual statistic A - W0 G *)
Lemma gdW_translate (alpha : nat -> R) (W0 : 'M[R]_(m, f)) (G0 : 'M[R]_f) (A0 : 'M[R]_(m, f))
    (K : nat) :
  gdW alpha (fun=> 1) W0 G0 A0 K = W0 + gdW alpha (fun=> 1) 0 G0 (A0 - W0 *m G0) K.
Proof.
elim: K => [|K IH]; first by rewrite /= addr0.
rewrite [LHS]/= [in RHS]/= IH /stepmx scale1r mulmxDl mulmxBr mulmx1 -scalemxAr scalerBr.
by rewrite -!addrA; congr (_ + _); rewrite addrC -addrA.
Qed.

(* ssm.k_step_w0: per-step alphas, no decay, any discount lam, start W0
   (V1 = I - Ey W0 Ex^T puts the residual A - W0 G in the state, F = W0 Ex^T adds W0 x_{t+1}) *)
Theorem k_step_w0_generic (p : params R m H) (lam : R) (alpha : nat -> R) (W0 : 'M[R]_(m, f))
    (K t : nat) :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = 1%:M - Ey *m W0 *m Ex^T -> V2 p = 1%:M -> Lam p = const_mx lam -> d p = [:: 0; 0; 1] ->
  C p = Ey^T -> F p = W0 *m Ex^T -> Rm p = Ex *m Ex^T -> k p = K ->
  mkseq (c p) K = mkseq (fun j => alpha (K.-1 - j)%N) K ->
  mkseq (beta p) K.-1 = mkseq (fun j => alpha (K.-1 - j)%N) K.-1 ->
  mkseq (rho p) K.-1 = mkseq (fun=> 1) K.-1 ->
  yhat p t = gdW alpha (fun=> 1) W0 (G lam t.+1) (A lam t.+1) K *m x t.+1.
Proof.
move=> HQ HV1 HV2 HL Hd HC HF HR Hk Hc Hbeta Hrho.
have HSt := state_w0_joint t.+1 HQ HV1 HV2 HL.
rewrite /yhat HC (@readout_sum p _ _ alpha (fun=> 1) K t HSt Hd HR Hbeta Hrho Hk Hc).
by rewrite HF qv_query // mulmxA HxL [in RHS]gdW_translate mulmxDl addrC.
Qed.

(* ssm.k_step: constant alpha, no decay, no discount: the closed form alpha A sum_{j<K} B^j *)
Theorem ssm_k_step (p : params R m H) (alpha : R) (K t : nat) :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = 1%:M -> V2 p = 1%:M -> Lam p = const_mx 1 -> d p = [:: 0; 0; 1] ->
  C p = Ey^T -> F p = 0 -> Rm p = Ex *m Ex^T -> k p = K ->
  mkseq (c p) K = mkseq (fun=> alpha) K ->
  mkseq (beta p) K.-1 = mkseq (fun=> alpha) K.-1 ->
  mkseq (rho p) K.-1 = mkseq (fun=> 1) K.-1 ->
  yhat p t =
  (alpha *: (A 1 t.+1 *m \sum_(j < K) mxpow (1%:M - alpha *: G 1 t.+1) j)) *m x t.+1.
Proof.
move=> HQ HV1 HV2 HL Hd HC HF HR Hk Hc Hbeta Hrho.
rewrite (@k_step_generic p 1 (fun=> alpha) (fun=> 1) K t HQ HV1 HV2 HL Hd HC HF HR Hk Hc Hbeta Hrho).
by rewrite gd_closed_form mul0mx add0r.
Qed.

(* ssm.discounted: constant alpha, no decay, any discount lam *)
Theorem ssm_discounted (p : params R m H) (lam alpha : R) (K t : nat) :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = 1%:M -> V2 p = 1%:M -> Lam p = const_mx lam -> d p = [:: 0; 0; 1] ->
  C p = Ey^T -> F p = 0 -> Rm p = Ex *m Ex^T -> k p = K ->
  mkseq (c p) K = mkseq (fun=> alpha) K ->
  mkseq (beta p) K.-1 = mkseq (fun=> alpha) K.-1 ->
  mkseq (rho p) K.-1 = mkseq (fun=> 1) K.-1 ->
  yhat p t =
  (alpha *: (A lam t.+1 *m \sum_(j < K) mxpow (1%:M - alpha *: G lam t.+1) j)) *m x t.+1.
Proof.
move=> HQ HV1 HV2 HL Hd HC HF HR Hk Hc Hbeta Hrho.
rewrite (@k_step_generic p lam (fun=> alpha) (fun=> 1) K t HQ HV1 HV2 HL Hd HC HF HR Hk Hc Hbeta Hrho).
by rewrite gd_closed_form mul0mx add0r.
Qed.

(* ssm.weight_decay: constant alpha, constant decay rho0 = 1 - eta gamma, any discount lam *)
Theorem ssm_weight_decay (p : params R m H) (lam alpha rho0 : R) (K t : nat) :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = 1%:M -> V2 p = 1%:M -> Lam p = const_mx lam -> d p = [:: 0; 0; 1] ->
  C p = Ey^T -> F p = 0 -> Rm p = Ex *m Ex^T -> k p = K ->
  mkseq (c p) K = mkseq (fun=> alpha) K ->
  mkseq (beta p) K.-1 = mkseq (fun=> alpha) K.-1 ->
  mkseq (rho p) K.-1 = mkseq (fun=> rho0) K.-1 ->
  yhat p t =
  (alpha *: (A lam t.+1 *m \sum_(j < K) mxpow (rho0 *: 1%:M - alpha *: G lam t.+1) j))
    *m x t.+1.
Proof.
move=> HQ HV1 HV2 HL Hd HC HF HR Hk Hc Hbeta Hrho.
rewrite (@k_step_generic p lam (fun=> alpha) (fun=> rho0) K t HQ HV1 HV2 HL Hd HC HF HR Hk Hc Hbeta Hrho).
by rewrite gd_closed_form_decay mul0mx add0r.
Qed.

(* ssm.per_step_eta: per-step alphas alpha_s = eta_s / N, no decay, any discount lam *)
Theorem ssm_per_step_eta (p : params R m H) (lam : R) (alpha : nat -> R) (K t : nat) :
  Q p = [:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]] ->
  V1 p = 1%:M -> V2 p = 1%:M -> Lam p = const_mx lam -> d p = [:: 0; 0; 1] ->
  C p = Ey^T -> F p = 0 -> Rm p = Ex *m Ex^T -> k p = K ->
  mkseq (c p) K = mkseq (fun j => alpha (K.-1 - j)%N) K ->
  mkseq (beta p) K.-1 = mkseq (fun j => alpha (K.-1 - j)%N) K.-1 ->
  mkseq (rho p) K.-1 = mkseq (fun=> 1) K.-1 ->
  yhat p t = gdW alpha (fun=> 1) 0 (G lam t.+1) (A lam t.+1) K *m x t.+1.
Proof. exact: k_step_generic. Qed.

End KStep.

End Theorems.
