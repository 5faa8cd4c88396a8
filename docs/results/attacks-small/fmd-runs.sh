E="/tmp/eddhead/edd attack --model /tmp/fmd.edd --data mnist --data-dir /work/main/data/mnist --test-limit 200 --threads 1 --quiet"
for args in "--attack fmn" "--attack pgd --eps 0.1 --loss all" "--attack pgd --eps 0.1 --loss margin" "--attack apgd --eps 0.1" "--attack apgd --loss dlr --eps 0.1" "--suite standard --eps 0.1"; do
  echo "== $args"
  /usr/bin/time -f "%e s wall" $E $args 2>&1
done
echo "== prev fmn"
/tmp/eddprev/edd attack --model /tmp/fmd.edd --data mnist --data-dir /work/main/data/mnist --test-limit 200 --threads 1 --quiet --attack fmn
