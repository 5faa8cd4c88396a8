#!/bin/bash
# The paper's L2 claim on the quick-scale models: FMN-L2 (1000 steps) per image, and the standard suite at L2 eps 4
D="--data mnist --data-dir /work/main/data/mnist --test-limit 200 --threads 1 --quiet"
for m in distilled baseline; do
  /usr/bin/time -f "%e s wall" ./edd attack --attack fmn --ord 2 --model $m.edd $D > fmn-$m.json 2> fmn-$m.time
  /usr/bin/time -f "%e s wall" ./edd attack --suite standard --ord 2 --eps 4 --model $m.edd $D > suite4-$m.json 2> suite4-$m.time
done
