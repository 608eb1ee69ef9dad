;; The inner loop of histogram building (hist.ts, buildHistogram), in WebAssembly: one 128-bit
;; add puts a row's gradient and hessian into its bin, where JavaScript needs two loads, two adds,
;; two stores and their bounds checks (measured: about 3x faster alone, the same sums to the bit,
;; as each bin adds the same values in the same order).
;;
;; `npm run kernel` assembles this file into kernels-wasm.ts; a test fails when the two differ.
;; Addresses are byte offsets into the shared memory that holds the training's work table
;; (kernel.ts); the layouts are hist.ts's:
;;   packed: bins by block of features, row-major in a block: the row's bins of features
;;           [from, to) are the bytes at packed + from * rows + row * (to - from);
;;   gh:     gradient and hessian per row, interleaved f64;
;;   hist:   per feature position k, 256 bins of (gradient, hessian) f64 pairs (4096 bytes),
;;           then from `counts` on, 256 f64 row counts per position (2048 bytes).
(module
  (memory (import "env" "memory") 1 65536 shared)

  ;; Adds rows order[start .. end) into `hist` for the positions [from, to) of a block, and counts
  ;; the rows of the `countedLength` positions listed (i32) at `counted`.
  (func (export "addRows")
    (param $packed i32) (param $order i32) (param $gh i32) (param $hist i32)
    (param $start i32) (param $end i32) (param $from i32) (param $to i32) (param $rows i32)
    (param $counted i32) (param $countedLength i32) (param $counts i32)
    (local $i i32) (local $row i32) (local $gradHess v128) (local $block i32) (local $width i32)
    (local $bin i32) (local $binEnd i32) (local $column i32) (local $cell i32) (local $q i32) (local $position i32)
    (local.set $width (i32.sub (local.get $to) (local.get $from)))
    (local.set $block (i32.add (local.get $packed) (i32.mul (local.get $from) (local.get $rows))))
    (local.set $i (local.get $start))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $end)))
        (local.set $row (i32.load (i32.add (local.get $order) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $gradHess (v128.load (i32.add (local.get $gh) (i32.shl (local.get $row) (i32.const 4)))))
        ;; $bin walks the row's bytes in the block, $column the positions' slices of `hist`
        (local.set $bin (i32.add (local.get $block) (i32.mul (local.get $row) (local.get $width))))
        (local.set $binEnd (i32.add (local.get $bin) (local.get $width)))
        (local.set $column (i32.add (local.get $hist) (i32.shl (local.get $from) (i32.const 12))))
        ;; two positions a step, then the odd one
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.gt_u (i32.add (local.get $bin) (i32.const 2)) (local.get $binEnd)))
            (local.set $cell (i32.add (local.get $column) (i32.shl (i32.load8_u (local.get $bin)) (i32.const 4))))
            (v128.store (local.get $cell) (f64x2.add (v128.load (local.get $cell)) (local.get $gradHess)))
            (local.set $cell (i32.add (i32.add (local.get $column) (i32.const 4096)) (i32.shl (i32.load8_u offset=1 (local.get $bin)) (i32.const 4))))
            (v128.store (local.get $cell) (f64x2.add (v128.load (local.get $cell)) (local.get $gradHess)))
            (local.set $bin (i32.add (local.get $bin) (i32.const 2)))
            (local.set $column (i32.add (local.get $column) (i32.const 8192)))
            (br $pairs)))
        (if (i32.lt_u (local.get $bin) (local.get $binEnd))
          (then
            (local.set $cell (i32.add (local.get $column) (i32.shl (i32.load8_u (local.get $bin)) (i32.const 4))))
            (v128.store (local.get $cell) (f64x2.add (v128.load (local.get $cell)) (local.get $gradHess)))))
        ;; counts: counts[position * 256 + bin] += 1, the row's bin of that position
        (local.set $bin (i32.sub (i32.add (local.get $block) (i32.mul (local.get $row) (local.get $width))) (local.get $from)))
        (local.set $q (i32.const 0))
        (block $countsDone
          (loop $countsLoop
            (br_if $countsDone (i32.ge_s (local.get $q) (local.get $countedLength)))
            (local.set $position (i32.load (i32.add (local.get $counted) (i32.shl (local.get $q) (i32.const 2)))))
            (local.set $cell
              (i32.add (local.get $counts)
                (i32.shl
                  (i32.add (i32.shl (local.get $position) (i32.const 8)) (i32.load8_u (i32.add (local.get $bin) (local.get $position))))
                  (i32.const 3))))
            (f64.store (local.get $cell) (f64.add (f64.load (local.get $cell)) (f64.const 1)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $countsLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsLoop))))
)
