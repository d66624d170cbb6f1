(* The MathComp modules every file of the GDSSM library uses, required once here and exported:
   each library file imports this one (and keeps its own local settings). *)
Set Warnings "-notation-overridden,-ambiguous-paths".
From mathcomp Require Export ssreflect ssrbool ssrfun eqtype ssrnat seq choice path div fintype tuple.
From mathcomp Require Export finfun bigop prime finset order binomial fingroup perm.
From mathcomp Require Export ssralg finalg countalg zmodp matrix.
Export GRing.Theory.
