;; The inner loops of training (hist.ts) in WebAssembly: histogram building, the split search
;; over a numeric feature, and packing the bins for them. In histogram building one 128-bit add
;; puts a row's gradient and hessian into its bin, where JavaScript needs two loads, two adds, two
;; stores and their bounds checks (measured: about 3x faster alone, the same sums to the bit, as
;; each bin adds the same values in the same order).
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

  ;; Packs a block: the bins of features[from .. to) (column-major `bins`, `rows` a column), row by
  ;; row into `packed` as hist.ts lays it out. Row by row, the writes are sequential and the reads
  ;; are one stream per feature.
  (func (export "packBlock")
    (param $bins i32) (param $features i32) (param $packed i32) (param $from i32) (param $to i32) (param $rows i32)
    (local $out i32) (local $r i32) (local $k i32) (local $feature i32)
    (local.set $out (i32.add (local.get $packed) (i32.mul (local.get $from) (local.get $rows))))
    (local.set $features (i32.add (local.get $features) (i32.shl (local.get $from) (i32.const 2))))
    (local.set $to (i32.sub (local.get $to) (local.get $from)))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $k (i32.const 0))
        (block $done
          (loop $columns
            (br_if $done (i32.ge_s (local.get $k) (local.get $to)))
            (local.set $feature (i32.load (i32.add (local.get $features) (i32.shl (local.get $k) (i32.const 2)))))
            (i32.store8 (local.get $out)
              (i32.load8_u (i32.add (i32.add (local.get $bins) (i32.mul (local.get $feature) (local.get $rows))) (local.get $r))))
            (local.set $out (i32.add (local.get $out) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $columns)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop))))

  ;; What scanNumeric found for the winning candidate, per instance (so per thread).
  (global $gainOut (export "gain") (mut f64) (f64.const 0))
  (global $leftG (export "leftG") (mut f64) (f64.const 0))
  (global $leftH (export "leftH") (mut f64) (f64.const 0))
  (global $missingLeft (export "missingLeft") (mut i32) (i32.const 0))

  ;; hist.ts's split search over one numeric feature whose bins are not counted, the same
  ;; arithmetic in the same order (so the same trees): bins [0, count - 1) as the last bin going
  ;; left, missing values right, then left. `column` is the address of the feature's first bin.
  ;; Returns the best bin, or -1 when none beats `bestGain`; the winner's gain, left sums and
  ;; missing direction are left in the globals. `slack` is hist.ts's BAR_SLACK.
  (func (export "scanNumeric")
    (param $column i32) (param $count i32) (param $G f64) (param $H f64) (param $gm f64) (param $hm f64)
    (param $hasMissing i32) (param $minH f64) (param $l2 f64) (param $parentScore f64) (param $bestGain f64)
    (param $bar f64) (param $slack f64)
    (result i32)
    (local $end i32) (local $i i32) (local $best i32)
    (local $h f64) (local $gl f64) (local $hl f64) (local $gL f64) (local $hL f64)
    (local $gr f64) (local $hr f64) (local $dl f64) (local $dr f64) (local $gain f64)
    (local.set $best (i32.const -1))
    (local.set $end (i32.add (local.get $column) (i32.shl (i32.sub (local.get $count) (i32.const 1)) (i32.const 4))))
    (block $done
      (loop $bins
        (br_if $done (i32.ge_u (local.get $column) (local.get $end)))
        (local.set $h (f64.load offset=8 (local.get $column)))
        (if (f64.ne (local.get $h) (f64.const 0))
          (then
            (local.set $gl (f64.add (local.get $gl) (f64.load (local.get $column))))
            (local.set $hl (f64.add (local.get $hl) (local.get $h)))
            ;; missing values right
            (local.set $hr (f64.sub (local.get $H) (local.get $hl)))
            (if (i32.and (f64.ge (local.get $hl) (local.get $minH)) (f64.ge (local.get $hr) (local.get $minH)))
              (then
                (local.set $gr (f64.sub (local.get $G) (local.get $gl)))
                (local.set $dl (f64.add (local.get $hl) (local.get $l2)))
                (local.set $dr (f64.add (local.get $hr) (local.get $l2)))
                (if (f64.gt
                      (f64.add (f64.mul (f64.mul (local.get $gl) (local.get $gl)) (local.get $dr)) (f64.mul (f64.mul (local.get $gr) (local.get $gr)) (local.get $dl)))
                      (f64.mul (f64.mul (local.get $bar) (local.get $dl)) (local.get $dr)))
                  (then
                    (local.set $gain (f64.sub
                      (f64.add (f64.div (f64.mul (local.get $gl) (local.get $gl)) (local.get $dl)) (f64.div (f64.mul (local.get $gr) (local.get $gr)) (local.get $dr)))
                      (local.get $parentScore)))
                    (if (f64.gt (local.get $gain) (local.get $bestGain))
                      (then
                        (local.set $bar (f64.mul (f64.add (local.get $gain) (local.get $parentScore)) (local.get $slack)))
                        (local.set $bestGain (local.get $gain))
                        (local.set $best (local.get $i))
                        (global.set $leftG (local.get $gl))
                        (global.set $leftH (local.get $hl))
                        ;; with no missing rows in the node, missing values later follow the heavier side
                        (global.set $missingLeft (i32.and (i32.eqz (local.get $hasMissing)) (f64.ge (local.get $hl) (local.get $hr))))))))))
            ;; missing values left
            (if (local.get $hasMissing)
              (then
                (local.set $gL (f64.add (local.get $gl) (local.get $gm)))
                (local.set $hL (f64.add (local.get $hl) (local.get $hm)))
                (local.set $hr (f64.sub (local.get $H) (local.get $hL)))
                (if (i32.and (f64.ge (local.get $hL) (local.get $minH)) (f64.ge (local.get $hr) (local.get $minH)))
                  (then
                    (local.set $gr (f64.sub (local.get $G) (local.get $gL)))
                    (local.set $dl (f64.add (local.get $hL) (local.get $l2)))
                    (local.set $dr (f64.add (local.get $hr) (local.get $l2)))
                    (if (f64.gt
                          (f64.add (f64.mul (f64.mul (local.get $gL) (local.get $gL)) (local.get $dr)) (f64.mul (f64.mul (local.get $gr) (local.get $gr)) (local.get $dl)))
                          (f64.mul (f64.mul (local.get $bar) (local.get $dl)) (local.get $dr)))
                      (then
                        (local.set $gain (f64.sub
                          (f64.add (f64.div (f64.mul (local.get $gL) (local.get $gL)) (local.get $dl)) (f64.div (f64.mul (local.get $gr) (local.get $gr)) (local.get $dr)))
                          (local.get $parentScore)))
                        (if (f64.gt (local.get $gain) (local.get $bestGain))
                          (then
                            (local.set $bar (f64.mul (f64.add (local.get $gain) (local.get $parentScore)) (local.get $slack)))
                            (local.set $bestGain (local.get $gain))
                            (local.set $best (local.get $i))
                            (global.set $leftG (local.get $gL))
                            (global.set $leftH (local.get $hL))
                            (global.set $missingLeft (i32.const 1))))))))))))
        (local.set $column (i32.add (local.get $column) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $bins)))
    (global.set $gainOut (local.get $bestGain))
    (local.get $best))
)
