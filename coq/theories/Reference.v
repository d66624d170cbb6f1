(* Reference.v -- the authors' parametrisation (gd-ssm reference code) and its map to ours.

   Mirrors: symbolic/reference.py -- `reference_states` / `reference_predictions` (one layer),
   `from_reference` (claim `ref.param_map`), `reference_two_step` / `ReferenceTwoStep.predict_query`
   / `two_step_difference` / `two_step_expected_difference`, variant A (claim `ref.two_step`).

   Vector task only: H = f = m = n, Ex = Ey = 1, so the tokens are z_{2i} = x_i, z_{2i+1} = y_i.
   Index convention (0-based, as in Layer.v): window t (Python's U_{t+1}) has the ROWS
       ref_tok t 0 = x t,  ref_tok t 1 = y t,  ref_tok t 2 = x t.+1,
   i.e. ref_U t : 'M_(3, n) with row r equal to (ref_tok t r)^T.  The authors' layer is then literally
       M^ref_t = U_t^T w_q U_t              ( = sum_(r,s) (w_q)_rs u_r u_s^T, lemma win_quad )
       S^ref_0 = 0,  S^ref_{t+1} = Lambda_bar .* S^ref_t + M^ref_t
       Z_t = C S^ref_t^T   (the state read transposed, `np.stack(axis=1)`)
       v_t = U_t^T D       ( = sum_a D_a u_a, lemma win_lin )
       o_t = Z_{t+1} v_t   (output of window t, Python's outs[t]),   prediction -o_t.
   So ref_S t is the state after windows 0 .. t-1, like Layer.S.

   * ref_param_map: with Q = w_q^T (as a seq), Lam = Lambda_bar^T, d = D, C = -C_ref (= -Ey^T C_ref),
     V1 = V2 = V3 = 1, F = 0, k = 1, c 0 = 1 (Rm, rho, beta arbitrary: unused when k = 1),
     Layer.yhat p t = - o^ref_t for every window t; the key fact is S p t = (S^ref_t)^T.
   * ref_two_step (variant A): three authors' layers on the same tokens with Lambda_bar = 1,
     C = -alpha I, w_q^(1) = w_q^(3) = e_1 e_2^T, w_q^(2) = e_1 e_1^T, D^(3) = e_3
     (1-based e_r; here delta_mx 0 0, 1, 2), W^code_t = Z1_t + Z1_N Z2_t + Z3_t (Z read after the
     window), o = W^code_N v^(3), and the residual adds the last token x_q = x N:
         -(o + x_q) = W_2 x_q - x_q,  W_2 = 2 alpha A - alpha^2 A G = gdW .. 2 (two GD steps from 0),
     A = Task.A x y 1 N = sum_(i<N) y_i x_i^T, G = Task.G x 1 N = sum_(i<N) x_i x_i^T,
     for N >= 1 (there is no window when N = 0).  This is two_step_expected_difference (= -x_q).
   * ref_two_step_seq: the same with the window mixings w_q^(l) and the query weights D^(3) given as
     literal seqs (seq_mx3, seq_cv3) and fixed by equations that close by reflexivity, so that a generated
     file can print them from symbolic/reference.py (proofs/coq/templates/ref_two_step.v.j2). *)
Set Warnings "-notation-overridden,-ambiguous-paths".
From GDSSM Require Import Prelude.
From GDSSM Require Import Task Layer.
Set Implicit Arguments. Unset Strict Implicit. Unset Printing Implicit Defensive.
Local Open Scope ring_scope.

(* ------------------------------------------------------------------------- *)
(* Windows as 3 x n matrices of rows, and 3 x 3 matrices as the seqs of Layer.params. *)

Section Window.
Variable R : comRingType.
Variable n : nat.

Definition rows_mx (u : 'I_3 -> 'cV[R]_n) : 'M[R]_(3, n) := \matrix_(r, j) u r j 0.

Lemma win_quad (u : 'I_3 -> 'cV[R]_n) (wq : 'M[R]_3) :
  (rows_mx u)^T *m wq *m rows_mx u = \sum_(a < 3) \sum_(b < 3) wq a b *: (u a *m (u b)^T).
Proof.
apply/matrixP => i j; rewrite mxE summxE.
rewrite [RHS](eq_bigr (fun a => \sum_(b < 3) wq a b * (u a i 0 * u b j 0))) => [|a _]; last first.
  by rewrite summxE; apply: eq_bigr => b _; rewrite !mxE big_ord1 mxE.
rewrite exchange_big /=; apply: eq_bigr => b _.
rewrite mxE mulr_suml; apply: eq_bigr => a _.
by rewrite !mxE mulrCA mulrA.
Qed.

Lemma win_lin (u : 'I_3 -> 'cV[R]_n) (D : 'cV[R]_3) :
  (rows_mx u)^T *m D = \sum_(a < 3) D a 0 *: u a.
Proof.
apply/matrixP => i j; rewrite mxE summxE ord1.
by apply: eq_bigr => a _; rewrite !mxE mulrC.
Qed.

Lemma win_col (u : 'I_3 -> 'cV[R]_n) (a : 'I_3) : (rows_mx u)^T *m delta_mx a 0 = u a.
Proof. by apply/matrixP => i j; rewrite -colE !mxE ord1. Qed.

Lemma win_outer (u : 'I_3 -> 'cV[R]_n) (a b : 'I_3) :
  (rows_mx u)^T *m ((delta_mx a 0 : 'cV_3) *m (delta_mx b 0 : 'cV_3)^T) *m rows_mx u
  = u a *m (u b)^T.
Proof.
rewrite mulmxA -mulmxA win_col; congr (_ *m _).
by rewrite -[rows_mx u]trmxK -trmx_mul win_col.
Qed.

Definition mx2seq (M : 'M[R]_3) : seq (seq R) := [seq [seq M i j | j <- enum 'I_3] | i <- enum 'I_3].
Definition cv2seq (D : 'cV[R]_3) : seq R := [seq D i 0 | i <- enum 'I_3].

Lemma mx2seqE (M : 'M[R]_3) (i j : 'I_3) : nth 0 (nth [::] (mx2seq M) i) j = M i j.
Proof.
rewrite /mx2seq (nth_map i) ?size_enum_ord ?ltn_ord // nth_ord_enum.
by rewrite (nth_map j) ?size_enum_ord ?ltn_ord // nth_ord_enum.
Qed.

Lemma cv2seqE (D : 'cV[R]_3) (i : 'I_3) : nth 0 (cv2seq D) i = D i 0.
Proof. by rewrite /cv2seq (nth_map i) ?size_enum_ord ?ltn_ord // nth_ord_enum. Qed.

Lemma hadamard_tr (L S : 'M[R]_n) : hadamard L^T S^T = (hadamard L S)^T.
Proof. by apply/matrixP => i j; rewrite !mxE. Qed.

Lemma hadamard1 (S : 'M[R]_n) : hadamard (const_mx 1) S = S.
Proof. by apply/matrixP => i j; rewrite !mxE mul1r. Qed.
End Window.

(* ------------------------------------------------------------------------- *)
(* The authors' layer (reference_states), vector task.                         *)

Section RefLayer.
Variable R : comRingType.
Variable n : nat.
Variable x : nat -> 'cV[R]_n.
Variable y : nat -> 'cV[R]_n.

Definition ref_tok (t a : nat) : 'cV[R]_n :=
  match a with 0 => x t | 1 => y t | _ => x t.+1 end.

Definition ref_U (t : nat) : 'M[R]_(3, n) := rows_mx (fun a : 'I_3 => ref_tok t a).

Variables (wq : 'M[R]_3) (Lb : 'M[R]_n) (Cref : 'M[R]_n) (D : 'cV[R]_3).

Definition ref_M (t : nat) : 'M[R]_n := (ref_U t)^T *m wq *m ref_U t.

Fixpoint ref_S (t : nat) : 'M[R]_n :=
  if t is t'.+1 then hadamard Lb (ref_S t') + ref_M t' else 0.

Definition ref_Z (t : nat) : 'M[R]_n := Cref *m (ref_S t)^T.
Definition ref_v (t : nat) : 'cV[R]_n := (ref_U t)^T *m D.
Definition ref_o (t : nat) : 'cV[R]_n := ref_Z t.+1 *m ref_v t.

End RefLayer.

(* ------------------------------------------------------------------------- *)
(* ref.param_map                                                                *)

Section ParamMap.
Variable R : comRingType.
Variable n : nat.
Variable x : nat -> 'cV[R]_n.
Variable y : nat -> 'cV[R]_n.
Variables (wq : 'M[R]_3) (Lb : 'M[R]_n) (Cref : 'M[R]_n) (D : 'cV[R]_3).

(* our tokens with Ex = Ey = 1 are the authors' tokens *)
Lemma u_ref t (a : nat) : u 1%:M 1%:M x y t a = ref_tok x y t a.
Proof. by case: a => [|[|a]] /=; rewrite mul1mx. Qed.

Section AnyParams.
Variable p : params R n n.
Hypothesis hQ : forall a b : 'I_3, Qab p a b = wq b a.
Hypothesis hV1 : V1 p = 1%:M.
Hypothesis hV2 : V2 p = 1%:M.
Hypothesis hV3 : V3 p = 1%:M.
Hypothesis hLam : Lam p = Lb^T.
Hypothesis hd : forall a : 'I_3, da p a = D a 0.
Hypothesis hC : C p = - Cref.
Hypothesis hF : F p = 0.
Hypothesis hk : k p = 1%N.
Hypothesis hc : c p 0 = 1.

Lemma Vmap1 (a : nat) : Vmap p a = 1%:M.
Proof. by case: a => [|[|a]] /=. Qed.

Lemma Mt_ref t : Mt 1%:M 1%:M x y p t = (ref_M x y wq t)^T.
Proof.
rewrite /Mt /ref_M /ref_U win_quad linear_sum /=.
under [RHS]eq_bigr => a _ do rewrite linear_sum /=.
rewrite [RHS]exchange_big /=; apply: eq_bigr => a _; apply: eq_bigr => b _.
by rewrite hQ Vmap1 mul1mx !u_ref linearZ /= trmx_mul trmxK.
Qed.

Lemma S_ref t : S 1%:M 1%:M x y p t = (ref_S x y wq Lb t)^T.
Proof.
elim: t => [|t IH] /=; first by rewrite trmx0.
by rewrite IH Mt_ref hLam hadamard_tr linearD.
Qed.

Lemma qv_ref t : qv 1%:M 1%:M x y p t = ref_v x y D t.
Proof.
rewrite /ref_v /ref_U win_lin; apply: eq_bigr => a _.
by rewrite hd u_ref.
Qed.

Theorem ref_param_map_gen t : yhat 1%:M 1%:M x y p t = - ref_o x y wq Lb Cref D t.
Proof.
have r0 : r 1%:M 1%:M x y p t 0 = qv 1%:M 1%:M x y p t by [].
rewrite /yhat hk big_ord1 hc scale1r r0 hF mul0mx addr0 S_ref qv_ref hC.
by rewrite /ref_o /ref_Z mulNmx mulmxA.
Qed.
End AnyParams.

(* our layer settings for the authors' layer (from_reference), Rm, rho, beta unused for k = 1 *)
Definition from_ref : params R n n :=
  Params (mx2seq wq^T) 1%:M 1%:M 1%:M Lb^T (cv2seq D) (- Cref) 0 0 1 (fun=> 0) (fun=> 0) (fun=> 1).

Theorem ref_param_map t : yhat 1%:M 1%:M x y from_ref t = - ref_o x y wq Lb Cref D t.
Proof.
apply: ref_param_map_gen => // [a b|a].
  by rewrite /Qab mx2seqE mxE.
by rewrite /da cv2seqE.
Qed.
End ParamMap.

(* ------------------------------------------------------------------------- *)
(* ref.two_step, variant A                                                     *)

Section TwoStep.
Variable R : comRingType.
Variable n : nat.
Variable x : nat -> 'cV[R]_n.
Variable y : nat -> 'cV[R]_n.
Variable alpha : R.
Variable N : nat.

Definition e3 (r : 'I_3) : 'cV[R]_3 := delta_mx r 0.
Definition wq_A : 'M[R]_3 := e3 0 *m (e3 1)^T.   (* e_1 e_2^T, 1-based *)
Definition wq_G : 'M[R]_3 := e3 0 *m (e3 0)^T.   (* e_1 e_1^T *)
Definition Lb1 : 'M[R]_n := const_mx 1.
Definition Cal : 'M[R]_n := - alpha *: 1%:M.

Definition Z1 t := ref_Z x y wq_A Lb1 Cal t.
Definition Z2 t := ref_Z x y wq_G Lb1 Cal t.
Definition Z3 t := ref_Z x y wq_A Lb1 Cal t.
Definition Wcode t := Z1 t + Z1 N *m Z2 t + Z3 t.

(* the code's final prediction: -(o_N + x_q), o_N = W^code_N v^(3) at the last window N-1 *)
Definition two_step_pred : 'cV[R]_n :=
  - (Wcode N *m ref_v x y (e3 2) N.-1 + x N).

Lemma ref_S_A t : (ref_S x y wq_A Lb1 t)^T = A x y 1 t.
Proof.
elim: t => [|t IH] /=; first by rewrite trmx0.
rewrite hadamard1 linearD /= IH scale1r /ref_M /ref_U /wq_A /e3 win_outer /=.
by rewrite trmx_mul trmxK.
Qed.

Lemma ref_S_G t : (ref_S x y wq_G Lb1 t)^T = G x 1 t.
Proof.
elim: t => [|t IH] /=; first by rewrite trmx0.
rewrite hadamard1 linearD /= IH scale1r /ref_M /ref_U /wq_G /e3 win_outer /=.
by rewrite trmx_mul trmxK.
Qed.

Lemma Cal_mul (M : 'M[R]_n) : Cal *m M = - alpha *: M.
Proof. by rewrite /Cal scalemx1 mul_scalar_mx. Qed.

(* the (non-causal) weight read at window t-1: Z1_N is the full-context state *)
Lemma Wcode_closed t :
  Wcode t = - alpha *: (A x y 1 t + A x y 1 t) + alpha ^+ 2 *: (A x y 1 N *m G x 1 t).
Proof.
rewrite /Wcode /Z1 /Z2 /Z3 /ref_Z !Cal_mul !ref_S_A ref_S_G -scalemxAl -scalemxAr scalerA.
by rewrite mulrNN -expr2 scalerDr addrAC.
Qed.

(* two GD steps from 0 (Task.gdW, constant alpha, no decay) *)
Lemma gdW_two (G0 : 'M[R]_n) (A0 : 'M[R]_n) :
  gdW (fun=> alpha) (fun=> 1) 0 G0 A0 2 = alpha *+ 2 *: A0 - alpha ^+ 2 *: (A0 *m G0).
Proof.
rewrite /= /stepmx mul0mx add0r scale1r mulmxBr mulmx1 -scalemxAl -scalemxAr scalerA -expr2.
by rewrite addrAC -scalerMnl mulr2n.
Qed.

Hypothesis N_gt0 : (0 < N)%N.

Theorem ref_two_step :
  two_step_pred = (alpha *+ 2 *: A x y 1 N - alpha ^+ 2 *: (A x y 1 N *m G x 1 N)) *m x N - x N.
Proof.
rewrite /two_step_pred Wcode_closed /ref_v /ref_U /e3 win_col /= prednK //.
rewrite opprD -mulNmx; congr (_ *m _ - _).
by rewrite opprD scaleNr opprK -scalerMnl mulr2n scalerDr.
Qed.

Corollary ref_two_step_gd :
  two_step_pred = gdW (fun=> alpha) (fun=> 1) 0 (G x 1 N) (A x y 1 N) 2 *m x N - x N.
Proof. by rewrite ref_two_step gdW_two. Qed.
End TwoStep.

(* ------------------------------------------------------------------------- *)
(* ref.two_step with the window mixings given as literal seqs (generated files) *)

Section TwoStepSeq.
Variable R : comRingType.
Variable n : nat.
Variable x : nat -> 'cV[R]_n.
Variable y : nat -> 'cV[R]_n.
Variable alpha : R.
Variable N : nat.

(* a 3 x 3 matrix and a 3-column from literal seqs (row-major), as Layer.params stores Q and d *)
Definition seq_mx3 (W : seq (seq R)) : 'M[R]_3 := \matrix_(i, j) nth 0 (nth [::] W i) j.
Definition seq_cv3 (D : seq R) : 'cV[R]_3 := \col_i nth 0 D i.

(* the code's prediction for any three window mixings and query weights of the third layer, with
   Lambda_bar = 1 and C = - alpha I in every layer: -(W^code_N v^(3)_{N-1} + x_q) *)
Definition two_step_pred_of (wq1 wq2 wq3 : 'M[R]_3) (D3 : 'cV[R]_3) : 'cV[R]_n :=
  - ((ref_Z x y wq1 (Lb1 R n) (Cal n alpha) N
      + ref_Z x y wq1 (Lb1 R n) (Cal n alpha) N *m ref_Z x y wq2 (Lb1 R n) (Cal n alpha) N
      + ref_Z x y wq3 (Lb1 R n) (Cal n alpha) N) *m ref_v x y D3 N.-1 + x N).

Lemma two_step_pred_ofE : two_step_pred x y alpha N = two_step_pred_of (wq_A R) (wq_G R) (wq_A R) (e3 R 2).
Proof. by []. Qed.

Lemma seq_mx3_delta (W : seq (seq R)) (r s : 'I_3) :
  (forall i j : 'I_3, nth 0 (nth [::] W i) j = ((i == r) && (j == s))%:R) -> seq_mx3 W = delta_mx r s.
Proof. by move=> hW; apply/matrixP => i j; rewrite !mxE hW. Qed.

Lemma seq_cv3_delta (D : seq R) (r : 'I_3) :
  (forall i : 'I_3, nth 0 D i = (i == r)%:R) -> seq_cv3 D = delta_mx r 0.
Proof. by move=> hD; apply/matrixP => i j; rewrite !mxE hD ord1 eqxx andbT. Qed.

Lemma wq_A_delta : wq_A R = delta_mx 0 1.
Proof. by rewrite /wq_A /e3 trmx_delta mul_delta_mx. Qed.

Lemma wq_G_delta : wq_G R = delta_mx 0 0.
Proof. by rewrite /wq_G /e3 trmx_delta mul_delta_mx. Qed.

Hypothesis N_gt0 : (0 < N)%N.

(* variant A: w_q^(1) = w_q^(3) = e_1 e_2^T, w_q^(2) = e_1 e_1^T, D^(3) = e_3 (1-based) *)
Theorem ref_two_step_seq (W1 W2 W3 : seq (seq R)) (D3 : seq R) :
  W1 = [:: [:: 0; 1; 0]; [:: 0; 0; 0]; [:: 0; 0; 0]] ->
  W2 = [:: [:: 1; 0; 0]; [:: 0; 0; 0]; [:: 0; 0; 0]] ->
  W3 = [:: [:: 0; 1; 0]; [:: 0; 0; 0]; [:: 0; 0; 0]] ->
  D3 = [:: 0; 0; 1] ->
  two_step_pred_of (seq_mx3 W1) (seq_mx3 W2) (seq_mx3 W3) (seq_cv3 D3) =
  gdW (fun=> alpha) (fun=> 1) 0 (G x 1 N) (A x y 1 N) 2 *m x N - x N.
Proof.
move=> -> -> -> ->.
have eA : seq_mx3 [:: [:: 0; 1; 0]; [:: 0; 0; 0]; [:: 0; 0; 0]] = wq_A R.
  by rewrite wq_A_delta; apply: seq_mx3_delta => -[[|[|[|i]]] hi] -[[|[|[|j]]] hj].
have eG : seq_mx3 [:: [:: 1; 0; 0]; [:: 0; 0; 0]; [:: 0; 0; 0]] = wq_G R.
  by rewrite wq_G_delta; apply: seq_mx3_delta => -[[|[|[|i]]] hi] -[[|[|[|j]]] hj].
have eD : seq_cv3 [:: 0; 0; 1] = e3 R 2.
  by apply: seq_cv3_delta => -[[|[|[|i]]] hi].
by rewrite eA eG eD -two_step_pred_ofE ref_two_step_gd.
Qed.
End TwoStepSeq.
