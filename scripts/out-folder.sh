# out-folder.sh - sourced by the scripts that write one results folder (bench-hot.sh, bench-profile.sh,
# bench-threads.sh, isa-kernels.sh).
#
# out_folder USAGE MIN MAX ARGS...: exit 2 with "usage: SCRIPT USAGE" unless ARGS are MIN to MAX words, and with a
# message if the first, the folder the script writes, exists already (a results folder is made once, never mixed).
out_folder() {
    local usage=$1 min=$2 max=$3
    shift 3
    if [ $# -lt "$min" ] || [ $# -gt "$max" ]; then
        echo "usage: $0 $usage" >&2
        exit 2
    fi
    if [ -e "$1" ]; then
        echo "$0: $1 exists; expected a new folder" >&2
        exit 2
    fi
}
