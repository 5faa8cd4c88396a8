E="/tmp/eddhead/edd attack --model /tmp/fm.edd --data mnist --data-dir /work/main/data/mnist --test-limit 200 --threads 1 --quiet"
for args in "--attack fmn --ord inf" "--attack apgd --eps 0.1" "--attack apgd --loss dlr --eps 0.1" "--attack apgd-t --eps 0.1" "--attack square --eps 0.1" "--attack pgd --eps 0.1 --loss margin" "--suite standard --eps 0.1" "--attack square --ord 2 --eps 1.5" "--suite standard --ord 2 --eps 1.5"; do
  echo "== $args"
  /usr/bin/time -f "%e s wall" $E $args 2>&1
done
