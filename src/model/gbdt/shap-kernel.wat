;; The per-tree work of TreeSHAP for a block of rows (fast-shap.ts, explainBlock), in WebAssembly:
;; for every tree, which way each row goes at each split, the path masks, and each group's table
;; entries added into the rows' sums. Each row's sums get the same additions in the same order
;; whatever the block's size, so a row's values do not depend on the rows it comes with.
;;
;; `npm run kernel` assembles this file into kernels-wasm.ts; a test fails when the two differ.
;; Addresses are byte offsets into the explainer's memory (kernel.ts). `layout` holds the
;; addresses of FlatLayout's arrays, in the order of LAYOUT_FIELDS in fast-shap.ts; the block's
;; arrays are [node or column or slot][row], `block` rows a line, as in explainBlock.
;;
;; Where a line is a multiple of 4 (or 16) rows wide, the passes over rows take 4 (or 16) rows at
;; a time with SIMD, up to n rounded up: the extra rows are scratch of the same line that nothing
;; reads back. A line of 1 row (single rows) takes the scalar loops, which also finish the rows
;; past the last whole vector when the SIMD loops do not run.
(module
  (memory (import "env" "memory") 1 65536 shared)

  (func (export "explainTrees")
    (param $layout i32) (param $agrees i32) (param $cleared i32) (param $column32 i32) (param $codes i32) (param $sums i32) (param $index i32)
    (param $n i32) (param $block i32) (param $trees i32)
    (local $treeSplits i32) (local $treeSteps i32) (local $treeGroups i32)
    (local $splitNode i32) (local $splitFeature i32) (local $splitThreshold i32) (local $splitMissingLeft i32)
    (local $splitLookup i32) (local $lookups i32)
    (local $stepNode i32) (local $stepParent i32) (local $stepBit i32) (local $stepIsLeft i32)
    (local $groupRoot i32) (local $groupFull i32) (local $groupSplitStart i32) (local $groupSplitCount i32)
    (local $groupSlotStart i32) (local $groupWidth i32) (local $groupTable i32) (local $groupSplitNodes i32)
    (local $groupSlotIds i32) (local $tables i32)
    (local $t i32) (local $k i32) (local $end i32) (local $r i32)
    (local $out i32) (local $in i32) (local $lookup i32) (local $threshold f64)
    (local $want i32) (local $shift i32) (local $inAgrees i32)
    (local $full i32) (local $splits i32) (local $firstSplit i32) (local $width i32) (local $slots i32)
    (local $table i32) (local $i i32) (local $u i32) (local $cell i32) (local $entry i32)
    (local $splitThreshold32 i32) (local $threshold32 f32) (local $vec4End i32) (local $vec16End i32)
    (local $splitKnown i32) (local $catEnd i32) (local $codes16 v128) (local $low v128) (local $high v128)
    (local.set $treeSplits (i32.load offset=0 (local.get $layout)))
    (local.set $treeSteps (i32.load offset=4 (local.get $layout)))
    (local.set $treeGroups (i32.load offset=8 (local.get $layout)))
    (local.set $splitNode (i32.load offset=12 (local.get $layout)))
    (local.set $splitFeature (i32.load offset=16 (local.get $layout)))
    (local.set $splitThreshold (i32.load offset=20 (local.get $layout)))
    (local.set $splitMissingLeft (i32.load offset=24 (local.get $layout)))
    (local.set $splitLookup (i32.load offset=28 (local.get $layout)))
    (local.set $lookups (i32.load offset=32 (local.get $layout)))
    (local.set $stepNode (i32.load offset=36 (local.get $layout)))
    (local.set $stepParent (i32.load offset=40 (local.get $layout)))
    (local.set $stepBit (i32.load offset=44 (local.get $layout)))
    (local.set $stepIsLeft (i32.load offset=48 (local.get $layout)))
    (local.set $groupRoot (i32.load offset=52 (local.get $layout)))
    (local.set $groupFull (i32.load offset=56 (local.get $layout)))
    (local.set $groupSplitStart (i32.load offset=60 (local.get $layout)))
    (local.set $groupSplitCount (i32.load offset=64 (local.get $layout)))
    (local.set $groupSlotStart (i32.load offset=68 (local.get $layout)))
    (local.set $groupWidth (i32.load offset=72 (local.get $layout)))
    (local.set $groupTable (i32.load offset=76 (local.get $layout)))
    (local.set $groupSplitNodes (i32.load offset=80 (local.get $layout)))
    (local.set $groupSlotIds (i32.load offset=84 (local.get $layout)))
    (local.set $tables (i32.load offset=88 (local.get $layout)))
    (local.set $splitThreshold32 (i32.load offset=92 (local.get $layout)))
    (local.set $splitKnown (i32.load offset=96 (local.get $layout)))
    ;; How far the SIMD loops go: n rounded up to whole vectors, or 0 when a line is not whole vectors.
    (local.set $vec4End (select (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)) (i32.const 0)
      (i32.eqz (i32.and (local.get $block) (i32.const 3)))))
    (local.set $vec16End (select (i32.and (i32.add (local.get $n) (i32.const 15)) (i32.const -16)) (i32.const 0)
      (i32.eqz (i32.and (local.get $block) (i32.const 15)))))
    (local.set $t (i32.const 0))
    (block $treesDone
      (loop $treesLoop
        (br_if $treesDone (i32.ge_s (local.get $t) (local.get $trees)))

        ;; Which way each row goes at each split: agrees[node][row] = 1 for left.
        (local.set $k (i32.load (i32.add (local.get $treeSplits) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $treeSplits) (i32.shl (local.get $t) (i32.const 2)))))
        (block $splitsDone
          (loop $splitsLoop
            (br_if $splitsDone (i32.ge_s (local.get $k) (local.get $end)))
            (local.set $out (i32.add (local.get $agrees)
              (i32.mul (i32.load (i32.add (local.get $splitNode) (i32.shl (local.get $k) (i32.const 2)))) (local.get $block))))
            (local.set $in (i32.mul (i32.load (i32.add (local.get $splitFeature) (i32.shl (local.get $k) (i32.const 2)))) (local.get $block)))
            (local.set $lookup (i32.load (i32.add (local.get $splitLookup) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $r (i32.const 0))
            (if (i32.ge_s (local.get $lookup) (i32.const 0))
              (then
                ;; categorical: the code's entry of the split's lookup (missing and unseen: its last)
                (local.set $lookup (i32.add (local.get $lookups) (local.get $lookup)))
                (local.set $in (i32.add (local.get $codes) (i32.shl (local.get $in) (i32.const 2))))
                ;; A lookup of at most 32 entries (codes up to 31): 16 rows at a time, their codes
                ;; narrowed to bytes and looked up with two byte shuffles (entries 0-15 and 16-31;
                ;; a shuffle gives 0 for an index past 15). The lookups are padded for the second load.
                (local.set $catEnd (select (local.get $vec16End) (i32.const 0)
                  (i32.le_u (i32.load (i32.add (local.get $splitKnown) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 31))))
                (if (local.get $catEnd)
                  (then
                    (local.set $low (v128.load (local.get $lookup)))
                    (local.set $high (v128.load offset=16 (local.get $lookup)))))
                (block $vdone
                  (loop $vrows
                    (br_if $vdone (i32.ge_u (local.get $r) (local.get $catEnd)))
                    (local.set $cell (i32.add (local.get $in) (i32.shl (local.get $r) (i32.const 2))))
                    (local.set $codes16
                      (i8x16.narrow_i16x8_u
                        (i16x8.narrow_i32x4_u (v128.load (local.get $cell)) (v128.load offset=16 (local.get $cell)))
                        (i16x8.narrow_i32x4_u (v128.load offset=32 (local.get $cell)) (v128.load offset=48 (local.get $cell)))))
                    (v128.store (i32.add (local.get $out) (local.get $r))
                      (v128.or
                        (i8x16.swizzle (local.get $low) (local.get $codes16))
                        (i8x16.swizzle (local.get $high) (i8x16.sub (local.get $codes16) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16)))))
                    (local.set $r (i32.add (local.get $r) (i32.const 16)))
                    (br $vrows)))
                (block $done
                  (loop $rows
                    (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
                    (i32.store8 (i32.add (local.get $out) (local.get $r))
                      (i32.load8_u (i32.add (local.get $lookup) (i32.load (i32.add (local.get $in) (i32.shl (local.get $r) (i32.const 2)))))))
                    (local.set $r (i32.add (local.get $r) (i32.const 1)))
                    (br $rows))))
              (else
                ;; numeric, compared at float32 as the ONNX trees are; a comparison with NaN is
                ;; false, so "not above" sends missing values left and "at most" sends them right
                (local.set $threshold (f64.load (i32.add (local.get $splitThreshold) (i32.shl (local.get $k) (i32.const 3)))))
                ;; the largest float32 at most the threshold: the same comparisons, made in float32
                (local.set $threshold32 (f32.load (i32.add (local.get $splitThreshold32) (i32.shl (local.get $k) (i32.const 2)))))
                (local.set $in (i32.add (local.get $column32) (i32.shl (local.get $in) (i32.const 2))))
                (if (i32.load8_u (i32.add (local.get $splitMissingLeft) (local.get $k)))
                  (then
                    ;; 16 rows: four float32x4 comparisons narrowed to 16 bytes of 0 or -1, then 1 - (x > t)
                    ;; (a copy of the loop below with its comparison turned: one loop with a NaN
                    ;; mask for both directions measured 10-30% slower over blocks)
                    (block $vdone
                      (loop $vrows
                        (br_if $vdone (i32.ge_u (local.get $r) (local.get $vec16End)))
                        (local.set $cell (i32.add (local.get $in) (i32.shl (local.get $r) (i32.const 2))))
                        (v128.store (i32.add (local.get $out) (local.get $r))
                          (v128.andnot (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)
                            (i8x16.narrow_i16x8_s
                              (i16x8.narrow_i32x4_s
                                (f32x4.gt (v128.load (local.get $cell)) (f32x4.splat (local.get $threshold32)))
                                (f32x4.gt (v128.load offset=16 (local.get $cell)) (f32x4.splat (local.get $threshold32))))
                              (i16x8.narrow_i32x4_s
                                (f32x4.gt (v128.load offset=32 (local.get $cell)) (f32x4.splat (local.get $threshold32)))
                                (f32x4.gt (v128.load offset=48 (local.get $cell)) (f32x4.splat (local.get $threshold32)))))))
                        (local.set $r (i32.add (local.get $r) (i32.const 16)))
                        (br $vrows)))
                    (block $done
                      (loop $rows
                        (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
                        (i32.store8 (i32.add (local.get $out) (local.get $r))
                          (i32.sub (i32.const 1)
                            (f64.gt (f64.promote_f32 (f32.load (i32.add (local.get $in) (i32.shl (local.get $r) (i32.const 2))))) (local.get $threshold))))
                        (local.set $r (i32.add (local.get $r) (i32.const 1)))
                        (br $rows))))
                  (else
                    ;; 16 rows: x <= t
                    (block $vdone
                      (loop $vrows
                        (br_if $vdone (i32.ge_u (local.get $r) (local.get $vec16End)))
                        (local.set $cell (i32.add (local.get $in) (i32.shl (local.get $r) (i32.const 2))))
                        (v128.store (i32.add (local.get $out) (local.get $r))
                          (v128.and (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)
                            (i8x16.narrow_i16x8_s
                              (i16x8.narrow_i32x4_s
                                (f32x4.le (v128.load (local.get $cell)) (f32x4.splat (local.get $threshold32)))
                                (f32x4.le (v128.load offset=16 (local.get $cell)) (f32x4.splat (local.get $threshold32))))
                              (i16x8.narrow_i32x4_s
                                (f32x4.le (v128.load offset=32 (local.get $cell)) (f32x4.splat (local.get $threshold32)))
                                (f32x4.le (v128.load offset=48 (local.get $cell)) (f32x4.splat (local.get $threshold32)))))))
                        (local.set $r (i32.add (local.get $r) (i32.const 16)))
                        (br $vrows)))
                    (block $done
                      (loop $rows
                        (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
                        (i32.store8 (i32.add (local.get $out) (local.get $r))
                          (f64.le (f64.promote_f32 (f32.load (i32.add (local.get $in) (i32.shl (local.get $r) (i32.const 2))))) (local.get $threshold)))
                        (local.set $r (i32.add (local.get $r) (i32.const 1)))
                        (br $rows)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $splitsLoop)))

        ;; Path masks, parents first: cleared[node][row] has the bits of the path features the
        ;; row disagrees with on the way to node (the root's line is all zero).
        (local.set $r (i32.const 0))
        (block $done
          (loop $rows
            (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
            (i32.store (i32.add (local.get $cleared) (i32.shl (local.get $r) (i32.const 2))) (i32.const 0))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rows)))
        (local.set $k (i32.load (i32.add (local.get $treeSteps) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $treeSteps) (i32.shl (local.get $t) (i32.const 2)))))
        (block $stepsDone
          (loop $stepsLoop
            (br_if $stepsDone (i32.ge_s (local.get $k) (local.get $end)))
            (local.set $out (i32.add (local.get $cleared)
              (i32.shl (i32.mul (i32.load (i32.add (local.get $stepNode) (i32.shl (local.get $k) (i32.const 2)))) (local.get $block)) (i32.const 2))))
            (local.set $in (i32.mul (i32.load (i32.add (local.get $stepParent) (i32.shl (local.get $k) (i32.const 2)))) (local.get $block)))
            (local.set $inAgrees (i32.add (local.get $agrees) (local.get $in)))
            (local.set $in (i32.add (local.get $cleared) (i32.shl (local.get $in) (i32.const 2))))
            (local.set $want (i32.load8_u (i32.add (local.get $stepIsLeft) (local.get $k))))
            (local.set $shift (i32.load (i32.add (local.get $stepBit) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $r (i32.const 0))
            (block $vdone
              (loop $vrows
                (br_if $vdone (i32.ge_u (local.get $r) (local.get $vec4End)))
                (v128.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
                  (v128.or
                    (v128.load (i32.add (local.get $in) (i32.shl (local.get $r) (i32.const 2))))
                    (i32x4.shl
                      (v128.xor
                        (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $inAgrees) (local.get $r)))))
                        (i32x4.splat (local.get $want)))
                      (local.get $shift))))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $vrows)))
            (block $done
              (loop $rows
                (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
                ;; (went left XOR is the left child) is 1 where the row went the other way
                (i32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
                  (i32.or
                    (i32.load (i32.add (local.get $in) (i32.shl (local.get $r) (i32.const 2))))
                    (i32.shl (i32.xor (i32.load8_u (i32.add (local.get $inAgrees) (local.get $r))) (local.get $want)) (local.get $shift))))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rows)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $stepsLoop)))

        ;; Each group, a pass over the block's rows at a time: the rows' indexes into its table (path
        ;; agreement, then the directions at its splits, a split a pass), made addresses of table
        ;; lines, then each slot's entries added into that slot's sums.
        (local.set $k (i32.load (i32.add (local.get $treeGroups) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $treeGroups) (i32.shl (local.get $t) (i32.const 2)))))
        (block $groupsDone
          (loop $groupsLoop
            (br_if $groupsDone (i32.ge_s (local.get $k) (local.get $end)))
            (local.set $full (i32.load (i32.add (local.get $groupFull) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $splits (i32.load (i32.add (local.get $groupSplitCount) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $firstSplit (i32.add (local.get $groupSplitNodes)
              (i32.shl (i32.load (i32.add (local.get $groupSplitStart) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 2))))
            (local.set $in (i32.add (local.get $cleared)
              (i32.shl (i32.mul (i32.load (i32.add (local.get $groupRoot) (i32.shl (local.get $k) (i32.const 2)))) (local.get $block)) (i32.const 2))))
            (local.set $width (i32.load (i32.add (local.get $groupWidth) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $slots (i32.add (local.get $groupSlotIds)
              (i32.shl (i32.load (i32.add (local.get $groupSlotStart) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 2))))
            (local.set $table (i32.add (local.get $tables)
              (i32.shl (i32.load (i32.add (local.get $groupTable) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))))
            ;; index[r] = the path features the row agrees with, above the split bits
            (local.set $r (i32.const 0))
            (block $vdone
              (loop $vrows
                (br_if $vdone (i32.ge_u (local.get $r) (local.get $vec4End)))
                (v128.store (i32.add (local.get $index) (i32.shl (local.get $r) (i32.const 2)))
                  (i32x4.shl
                    (v128.andnot (i32x4.splat (local.get $full)) (v128.load (i32.add (local.get $in) (i32.shl (local.get $r) (i32.const 2)))))
                    (local.get $splits)))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $vrows)))
            (block $done
              (loop $rows
                (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
                (i32.store (i32.add (local.get $index) (i32.shl (local.get $r) (i32.const 2)))
                  (i32.shl
                    (i32.and (local.get $full) (i32.xor (i32.load (i32.add (local.get $in) (i32.shl (local.get $r) (i32.const 2)))) (i32.const -1)))
                    (local.get $splits)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rows)))
            (local.set $i (i32.const 0))
            (block $bitsDone
              (loop $bits
                (br_if $bitsDone (i32.ge_s (local.get $i) (local.get $splits)))
                (local.set $inAgrees (i32.add (local.get $agrees)
                  (i32.mul (i32.load (i32.add (local.get $firstSplit) (i32.shl (local.get $i) (i32.const 2)))) (local.get $block))))
                (local.set $r (i32.const 0))
                (block $vdone
                  (loop $vrows
                    (br_if $vdone (i32.ge_u (local.get $r) (local.get $vec4End)))
                    (local.set $cell (i32.add (local.get $index) (i32.shl (local.get $r) (i32.const 2))))
                    (v128.store (local.get $cell)
                      (v128.or (v128.load (local.get $cell))
                        (i32x4.shl
                          (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $inAgrees) (local.get $r)))))
                          (local.get $i))))
                    (local.set $r (i32.add (local.get $r) (i32.const 4)))
                    (br $vrows)))
                (block $done
                  (loop $rows
                    (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
                    (local.set $cell (i32.add (local.get $index) (i32.shl (local.get $r) (i32.const 2))))
                    (i32.store (local.get $cell)
                      (i32.or (i32.load (local.get $cell)) (i32.shl (i32.load8_u (i32.add (local.get $inAgrees) (local.get $r))) (local.get $i))))
                    (local.set $r (i32.add (local.get $r) (i32.const 1)))
                    (br $rows)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $bits)))
            ;; index[r] becomes the address of the row's table line
            (local.set $r (i32.const 0))
            (block $vdone
              (loop $vrows
                (br_if $vdone (i32.ge_u (local.get $r) (local.get $vec4End)))
                (local.set $cell (i32.add (local.get $index) (i32.shl (local.get $r) (i32.const 2))))
                (v128.store (local.get $cell)
                  (i32x4.add (i32x4.splat (local.get $table))
                    (i32x4.shl (i32x4.mul (v128.load (local.get $cell)) (i32x4.splat (local.get $width))) (i32.const 3))))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $vrows)))
            (block $done
              (loop $rows
                (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
                (local.set $cell (i32.add (local.get $index) (i32.shl (local.get $r) (i32.const 2))))
                (i32.store (local.get $cell)
                  (i32.add (local.get $table) (i32.shl (i32.mul (i32.load (local.get $cell)) (local.get $width)) (i32.const 3))))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rows)))
            ;; slot by slot: sums[slot][r] += the line's entry u
            (local.set $u (i32.const 0))
            (block $slotsDone
              (loop $slotsLoop
                (br_if $slotsDone (i32.ge_s (local.get $u) (local.get $width)))
                (local.set $out (i32.add (local.get $sums)
                  (i32.shl (i32.mul (i32.load (i32.add (local.get $slots) (i32.shl (local.get $u) (i32.const 2)))) (local.get $block)) (i32.const 3))))
                (local.set $entry (i32.shl (local.get $u) (i32.const 3)))
                (local.set $r (i32.const 0))
                (block $done
                  (loop $rows
                    (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
                    (local.set $cell (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))))
                    (f64.store (local.get $cell)
                      (f64.add (f64.load (local.get $cell))
                        (f64.load (i32.add (i32.load (i32.add (local.get $index) (i32.shl (local.get $r) (i32.const 2)))) (local.get $entry)))))
                    (local.set $r (i32.add (local.get $r) (i32.const 1)))
                    (br $rows)))
                (local.set $u (i32.add (local.get $u) (i32.const 1)))
                (br $slotsLoop)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $groupsLoop)))

        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $treesLoop))))
)
