(* Layer.v -- the general GD-SSM layer, for any choice of its weights.

   Mirrors symbolic/layer.py (LayerParams, tokens, forward) over an arbitrary comRingType R and
   arbitrary dimensions f (inputs), m (outputs), H (token width).

   Index convention (0-based).  Data x : nat -> 'cV_f, y : nat -> 'cV_m, embeddings
   Ex : 'M_(H, f), Ey : 'M_(H, m).  The token stream is z_{2i} = Ex x_i, z_{2i+1} = Ey y_i, and
   window t (t = 0, 1, ...; the paper's / Python's U_{t+1}) is

       u t 0 = Ex *m x t,   u t 1 = Ey *m y t,   u t 2 = Ex *m x t.+1        (slots a = 0, 1, 2)

   i.e. Python's (z[2t], z[2t+1], z[2t+2]) in `forward`.  Then, exactly as `forward` computes,

       M_t       = \sum_(a < 3) \sum_(b < 3) Q_ab *: (V_a *m u t a *m (u t b)^T)
       S_0       = 0,   S_{t+1} = Lam .* S_t + M_t                     (elementwise product)
       q_t       = \sum_(a < 3) d_a *: u t a
       r_0       = q_t, r_{j+1} = rho_j *: r_j - beta_j *: (Rm *m (S_{t+1} *m r_j))
       yhat_t    = C *m (S_{t+1} *m \sum_(j < k) c_j *: r_j) + F *m q_t.

   So `S p t` is the state after windows 0 .. t-1, and `yhat p t` -- the layer's t-th output
   (Python's out[t]) -- reads the state S_{t+1} (after window t, which holds x_t, y_t, x_{t+1})
   with the query x_{t+1}: it predicts y_{t+1} from the examples 0 .. t.

   Weights (record `params`): Q and d are sequences (Q row-major, Q_ab = nth 0 (nth [::] Q a) b,
   d_a = nth 0 d a) so that literal lists can be plugged in and compared by computation; the readout
   constants rho, beta, c are functions nat -> R, of which rho_j, beta_j are used for j < k-1 and
   c_j for j < k only.

   The data are infinite sequences: on a Python Context with N examples and query x_q, take
   x i = xs[i] (so x N = x_q) and y i = ys[i] for i < N; then yhat p t = out[t] for t < N.
   (Python skips zero Q_ab, zero d_a, F = 0 and k = 0 only as shortcuts: the values agree.)
   After the section closes the functions take Ex Ey x y p explicitly: `yhat Ex Ey x y p t`. *)

Set Warnings "-notation-overridden,-ambiguous-paths".
From GDSSM Require Import Prelude.
Set Implicit Arguments. Unset Strict Implicit. Unset Printing Implicit Defensive.
Local Open Scope ring_scope.

Section Params.
Variable R : comRingType.
Variables m H : nat.

Record params := Params {
  Q : seq (seq R);          (* 3 x 3 window mixing, row-major *)
  V1 : 'M[R]_H;             (* value maps of the window slots *)
  V2 : 'M[R]_H;
  V3 : 'M[R]_H;
  Lam : 'M[R]_H;            (* elementwise decay of the state *)
  d : seq R;                (* 3 window weights of the readout query *)
  C : 'M[R]_(m, H);         (* readout *)
  F : 'M[R]_(m, H);         (* feedthrough *)
  Rm : 'M[R]_H;             (* readout projection of the k-fold readout *)
  k : nat;                  (* number of readout terms *)
  rho : nat -> R;           (* readout constants rho_j, beta_j (j < k-1), c_j (j < k) *)
  beta : nat -> R;
  c : nat -> R
}.

Definition Qab (p : params) (a b : nat) : R := nth 0 (nth [::] (Q p) a) b.
Definition da (p : params) (a : nat) : R := nth 0 (d p) a.
Definition Vmap (p : params) (a : nat) : 'M[R]_H :=
  match a with 0 => V1 p | 1 => V2 p | _ => V3 p end.

(* elementwise (Hadamard) product, `hadamard` of symbolic/dense.py *)
Definition hadamard (L S : 'M[R]_H) : 'M[R]_H := \matrix_(i, j) (L i j * S i j).

End Params.

Section Layer.
Variable R : comRingType.
Variables f m H : nat.
Variable Ex : 'M[R]_(H, f).
Variable Ey : 'M[R]_(H, m).
Variable x : nat -> 'cV[R]_f.
Variable y : nat -> 'cV[R]_m.

(* slot a of window t *)
Definition u (t a : nat) : 'cV[R]_H :=
  match a with 0 => Ex *m x t | 1 => Ey *m y t | _ => Ex *m x t.+1 end.

Variable p : params R m H.

Definition Mt (t : nat) : 'M[R]_H :=
  \sum_(a < 3) \sum_(b < 3) Qab p a b *: (Vmap p a *m u t a *m (u t b)^T).

Fixpoint S (t : nat) : 'M[R]_H :=
  if t is t'.+1 then hadamard (Lam p) (S t') + Mt t' else 0.

Definition qv (t : nat) : 'cV[R]_H := \sum_(a < 3) da p a *: u t a.

(* the k-fold readout of window t, against the state S_{t+1} *)
Fixpoint r (t j : nat) : 'cV[R]_H :=
  if j is j'.+1 then rho p j' *: r t j' - beta p j' *: (Rm p *m (S t.+1 *m r t j'))
  else qv t.

Definition yhat (t : nat) : 'cV[R]_m :=
  C p *m (S t.+1 *m \sum_(j < k p) c p j *: r t j) + F p *m qv t.

End Layer.
