;; snapshot.wat: the module test_snapshot.c snapshots and resets: memory (with data), a mutable
;; global, a table, and exports to change each of them.
(module
  (memory (export "mem") 2 100)
  (global $g (mut i32) (i32.const 7))
  (table $t 4 funcref)
  (elem (i32.const 0) $f1)
  (elem declare func $f2)
  (data (i32.const 100) "hello")
  (func $f1 (result i32) i32.const 11)
  (func $f2 (result i32) i32.const 22)
  ;; the start-up work a snapshot is taken after
  (func (export "init")
    (i32.store8 (i32.const 70000) (i32.const 9))
    (global.set $g (i32.const 42))
    (table.set $t (i32.const 1) (ref.func $f2)))
  (func (export "get_g") (result i32) global.get $g)
  (func (export "set_g") (param i32) local.get 0 global.set $g)
  (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size)
  (func (export "callt") (param i32) (result i32) local.get 0 call_indirect (result i32))
  (func (export "clear_t") (param i32) local.get 0 ref.null func table.set $t))
