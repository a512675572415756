#!/usr/bin/env python3
# gen_fusion_module.py: writes the WAT of the module test_fusion.c runs (every superinstruction
# the compiler can emit, fed by constants and edge values). Regenerate fusion_modules.h with:
#   python3 tests/unit/gen_fusion_module.py > /tmp/fusion.wat && wat2wasm /tmp/fusion.wat -o /tmp/fusion.wasm
#   then embed /tmp/fusion.wasm as the array fusion_wasm (xxd -i).
cmps = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"]
arith = ["add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s",
         "shr_u", "rotl", "rotr"]
fops = ["add", "sub", "mul", "div", "min", "max", "copysign", "eq", "ne", "lt", "gt", "le", "ge"]
out = ["(module", "  (memory 1)",
       '  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\\81\\82\\83\\84")']


def f(name, params, result, body, local=""):
    ps = " ".join(f"(param {p})" for p in params)
    out.append(f'  (func (export "{name}") {ps} (result {result}) {local}{body})')


for t in ["i32", "i64"]:
    for c in cmps:
        f(f"{t}.{c}.value", [t, t], "i32", f"({t}.{c} (local.get 0) (local.get 1))")
        f(f"{t}.{c}.br_if", [t, t], "i32",
          f"(block (br_if 0 ({t}.{c} (local.get 0) (local.get 1))) (return (i32.const 0))) (i32.const 1)")
        f(f"{t}.{c}.if", [t, t], "i32",
          f"(if (result i32) ({t}.{c} (local.get 0) (local.get 1)) (then (i32.const 1)) (else (i32.const 0)))")
        for k in ["7", "-1", "0"]:
            f(f"{t}.{c}.ri{k}.br_if", [t], "i32",
              f"(block (br_if 0 ({t}.{c} (local.get 0) ({t}.const {k}))) (return (i32.const 0))) (i32.const 1)")
            f(f"{t}.{c}.ir{k}.if", [t], "i32",
              f"(if (result i32) ({t}.{c} ({t}.const {k}) (local.get 0)) (then (i32.const 1)) (else (i32.const 0)))")
    f(f"{t}.eqz.br_if", [t], "i32", f"(block (br_if 0 ({t}.eqz (local.get 0))) (return (i32.const 0))) (i32.const 1)")
    f(f"{t}.eqz.if", [t], "i32", f"(if (result i32) ({t}.eqz (local.get 0)) (then (i32.const 1)) (else (i32.const 0)))")
    for op in arith:
        f(f"{t}.{op}.rr", [t, t], t, f"({t}.{op} (local.get 0) (local.get 1))")
        for k in ["0", "1", "-1", "7", "31", "32", "33", "63", "64"]:
            f(f"{t}.{op}.ri{k}", [t], t, f"({t}.{op} (local.get 0) ({t}.const {k}))")
            f(f"{t}.{op}.ir{k}", [t], t, f"({t}.{op} ({t}.const {k}) (local.get 0))")
for t in ["f32", "f64"]:
    for op in fops:
        r = "i32" if op in ["eq", "ne", "lt", "gt", "le", "ge"] else t
        f(f"{t}.{op}.rr", [t, t], r, f"({t}.{op} (local.get 0) (local.get 1))")
        for k in ["0", "-0", "1.5", "nan", "-inf"]:
            f(f"{t}.{op}.ri{k}", [t], r, f"({t}.{op} (local.get 0) ({t}.const {k}))")
            f(f"{t}.{op}.ir{k}", [t], r, f"({t}.{op} ({t}.const {k}) (local.get 0))")
# Addressing: the folded i32.add wraps at 32 bits before the memarg offset is added.
f("load.ri", ["i32"], "i32", "(i32.load offset=4 (i32.add (local.get 0) (i32.const 4)))")
f("load.ri.neg", ["i32"], "i32", "(i32.load8_u offset=3 (i32.add (local.get 0) (i32.const -4)))")
f("load.rr", ["i32", "i32"], "i32", "(i32.load8_u offset=1 (i32.add (local.get 0) (local.get 1)))")
f("load.sh", ["i32", "i32"], "i32",
  "(i32.load16_s offset=2 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2))))")
f("load.sh.left", ["i32", "i32"], "i64", "(i64.load8_s (i32.add (i32.shl (local.get 1) (i32.const 3)) (local.get 0)))")
f("load.f64.sh", ["i32", "i32"], "f64",
  "(f64.load offset=4 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 35))))")
f("store.ri", ["i32", "i32"], "i32",
  "(i32.store offset=8 (i32.add (local.get 0) (i32.const -4)) (local.get 1)) (i32.load (i32.const 4))")
f("store.rr", ["i32", "i32", "i32"], "i32",
  "(i32.store16 offset=2 (i32.add (local.get 0) (local.get 1)) (local.get 2)) (i32.load (i32.const 8))")
f("store.sh", ["i32", "i32", "i64"], "i64",
  "(i64.store32 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2))) (local.get 2)) (i64.load (i32.const 8))")
f("add_shl", ["i32", "i32"], "i32", "(i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))")
f("add_shl.33", ["i32", "i32"], "i32", "(i32.add (i32.shl (local.get 1) (i32.const 33)) (local.get 0))")
# Moves in sequence: each local.set sees the previous one's result.
f("mov.chain", ["i32", "i32"], "i32",
  "(local.set 2 (local.get 0)) (local.set 0 (local.get 1)) (local.set 1 (local.get 2)) "
  "(i32.sub (local.get 0) (i32.mul (local.get 1) (i32.const 3)))", local="(local i32) ")
f("ret1.param", ["i32", "i32"], "i32", "(return (local.get 1))")
f("identity.temp", ["i32"], "i32", "(i32.add (i32.const 0) (i32.mul (local.get 0) (local.get 0)))")
f("identity.deep", ["i32", "i32"], "i32",
  "(i32.sub (local.get 1) (i32.or (i32.const 0) (i32.add (local.get 0) (i32.const 5))))")
# Multiply-add and multiply-subtract, with the product on either side.
for t in ["f32", "f64"]:
    f(f"{t}.madd", [t, t, t], t, f"({t}.add (local.get 0) ({t}.mul (local.get 1) (local.get 2)))")
    f(f"{t}.madd.left", [t, t, t], t, f"({t}.add ({t}.mul (local.get 1) (local.get 2)) (local.get 0))")
    f(f"{t}.msub", [t, t, t], t, f"({t}.sub (local.get 0) ({t}.mul (local.get 1) (local.get 2)))")
    f(f"{t}.msub.left", [t, t, t], t, f"({t}.sub ({t}.mul (local.get 1) (local.get 2)) (local.get 0))")
# Loop counters: an increment then a branch that may read it (bundled into one instruction).
for c in ["ne", "lt_u", "lt_s", "le_s", "gt_u"]:
    f(f"loop.inc.{c}", ["i32"], "i32",
      f"(local.set 1 (i32.const 0)) (block (loop (local.set 1 (i32.add (local.get 1) (i32.const 3))) "
      f"(br_if 1 (i32.gt_u (local.get 1) (i32.const 1000))) "
      f"(br_if 0 (i32.{c} (local.get 1) (local.get 0))))) (local.get 1)", local="(local i32) ")
f("loop.inc.br_if", ["i32"], "i32",
  "(local.set 1 (i32.const 0)) (block (loop (local.set 1 (i32.add (local.get 1) (i32.const 1))) "
  "(br_if 1 (i32.gt_u (local.get 1) (i32.const 1000))) "
  "(br_if 0 (i32.and (local.get 1) (local.get 0))))) (local.get 1)", local="(local i32) ")
f("loop.inc.br", ["i32"], "i32",
  "(local.set 1 (local.get 0)) (block (loop (br_if 1 (i32.ge_u (local.get 1) (i32.const 50))) "
  "(local.set 1 (i32.add (local.get 1) (i32.const 7))) (br 0))) (local.get 1)", local="(local i32) ")
# An operation with a shifted or rotated second operand, on either side.
for op in ["xor", "or", "and", "add", "sub"]:
    for sh in ["shl", "shr_u", "shr_s", "rotl", "rotr"]:
        for k in ["0", "7", "31", "33"]:
            f(f"i32.{op}.{sh}{k}", ["i32", "i32"], "i32",
              f"(i32.{op} (local.get 0) (i32.{sh} (local.get 1) (i32.const {k})))")
            f(f"i32.{sh}{k}.{op}", ["i32", "i32"], "i32",
              f"(i32.{op} (i32.{sh} (local.get 1) (i32.const {k})) (local.get 0))")
# Two increments of locals in a row, the second reading the first.
f("add_ri2", ["i32", "i32"], "i32",
  "(local.set 0 (i32.add (local.get 0) (i32.const 8))) (local.set 1 (i32.add (local.get 0) (i32.const -3))) "
  "(i32.xor (local.get 0) (i32.mul (local.get 1) (i32.const 5)))")
# A value computed and stored at once (in and out of bounds: the traps must agree too).
for op in ["add", "sub", "mul"]:
    f(f"f64.{op}.store", ["i32", "f64", "f64"], "f64",
      f"(f64.store offset=8 (local.get 0) (f64.{op} (local.get 1) (local.get 2))) (f64.load offset=8 (local.get 0))")
f("f64.madd.store", ["i32", "f64", "f64"], "f64",
  "(f64.store (local.get 0) (f64.add (local.get 1) (f64.mul (local.get 2) (local.get 1)))) (f64.load (local.get 0))")
for op in ["add", "xor", "or", "and"]:
    f(f"i32.{op}.store", ["i32", "i32", "i32"], "i32",
      f"(i32.store offset=4 (local.get 0) (i32.{op} (local.get 1) (local.get 2))) (i32.load offset=4 (local.get 0))")
f("i32.add_ri.store", ["i32", "i32"], "i32",
  "(i32.store (local.get 0) (i32.add (local.get 1) (i32.const 77))) (i32.load (local.get 0))")
f("i32.add.store8", ["i32", "i32", "i32"], "i32",
  "(i32.store8 offset=1 (local.get 0) (i32.add (local.get 1) (local.get 2))) (i32.load8_u offset=1 (local.get 0))")
for k in ["255", "7"]:
    f(f"i32.and_ri{k}.store8", ["i32", "i32"], "i32",
      f"(i32.store8 (local.get 0) (i32.and (local.get 1) (i32.const {k}))) (i32.load8_u (local.get 0))")
    f(f"i32.shr_u_ri{k}.store8", ["i32", "i32"], "i32",
      f"(i32.store8 (local.get 0) (i32.shr_u (local.get 1) (i32.const {k}))) (i32.load8_u (local.get 0))")
    f(f"i32.add_ri{k}.store8", ["i32", "i32"], "i32",
      f"(i32.store8 (local.get 0) (i32.add (local.get 1) (i32.const {k}))) (i32.load8_u (local.get 0))")
out.append(")")
print("\n".join(out))
