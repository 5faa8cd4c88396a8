/* test_cli_conventions.c - issue 27, item 7: one convention on the command
 * line. A mistyped option or command gets "did you mean" when a known one
 * is close (exit 2 still); a boolean is a flag (--no-rand-start,
 * --adv-no-rand-start), and the retired "0|1" spelling is refused naming
 * the flag; train's and distill's adversarial options are --adv-X, attack's
 * --X for the attack run inside training. No case reads data or trains:
 * each is refused, or fails at the model that is not there (exit 1). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

TestSuite(cli_conventions, .timeout = 60);

/* "@" in args is a fresh folder (no model in it, no data). */
static const struct {
    const char *name, *args;
    int exit;
    const char *says, *not_says;
} cases[] = {
    {"option typo", "attack --attack pgd --model @/m.edd --epz 3", 2, "'--epz': unknown option; did you mean '--eps'?",
     NULL},
    {"option swap", "attack --attack pgd --model @/m.edd --setps 3", 2, "did you mean '--steps'?", NULL},
    {"option longer", "attack --attack fgm --model @/m.edd --epsilon 0.1", 2, "did you mean '--eps'?", NULL},
    {"option far", "attack --attack pgd --model @/m.edd --frobnicate 3", 2, "'--frobnicate': unknown option",
     "did you mean"},
    {"train option typo", "train --out @/t.edd --epohcs 3 --data-dir @/none", 2, "did you mean '--epochs'?", NULL},
    {"ambiguous", "train --out @/t.edd --adv-step 3 --data-dir @/none", 2, "ambiguous option; did you mean '--adv-steps' or "
     "'--adv-step-size'?", NULL},
    {"missing value", "attack --attack pgd --model @/m.edd --eps", 2, "'--eps': expected a value after it", NULL},
    {"flag with a value", "attack --attack pgd --model @/m.edd --quiet=1", 2, "--quiet is a flag, expected no value",
     NULL},
    {"command typo", "trian --out @/t.edd --data-dir @/none", 2, "unknown command 'trian'; did you mean 'train'?", NULL},
    {"command prefix", "distil --teacher @/t.edd --out @/d.edd", 2, "did you mean 'distill'?", NULL},
    {"command far", "frobnicate", 2, "unknown command 'frobnicate'", "did you mean"},
    {"no-rand-start", "attack --attack pgd --model @/m.edd --no-rand-start --quiet", 1, "@/m.edd", NULL},
    {"rand-start retired", "attack --attack pgd --model @/m.edd --rand-start 0", 2,
     "--rand-start: replaced by the flag --no-rand-start", NULL},
    {"no-rand-start elsewhere", "attack --attack apgd --model @/m.edd --no-rand-start", 2,
     "--no-rand-start does not apply to --attack apgd", NULL},
    {"adv-no-rand-start", "train --out @/t.edd --adv pgd --adv-no-rand-start --data-dir @/none", 1, "@/none", NULL},
    {"adv-rand-start retired", "train --out @/t.edd --adv pgd --adv-rand-start 0 --data-dir @/none", 2,
     "--adv-rand-start: replaced by the flag --adv-no-rand-start", NULL},
    {"adv-rand-start retired, distill", "distill --teacher @/t.edd --out @/d.edd --adv pgd --adv-rand-start 1 --data-dir @/none", 2,
     "--adv-rand-start: replaced by the flag --adv-no-rand-start", NULL},
    {"adv-no-rand-start with fgm-rs", "train --out @/t.edd --adv fgm-rs --adv-no-rand-start --data-dir @/none", 2,
     "--adv-no-rand-start does not apply to --adv fgm-rs", NULL},
    {"adv-eps", "train --out @/t.edd --adv pgd --adv-eps 0.1 --data-dir @/none", 1, "@/none", NULL},
    {"adv-eps range", "distill --teacher @/t.edd --out @/d.edd --adv pgd --adv-eps 3", 2,
     "--adv-eps '3': expected a number in (0, 1]", NULL},
    {"train's eps retired", "train --out @/t.edd --adv pgd --eps 0.1 --data-dir @/none", 2,
     "--eps: replaced by --adv-eps (attack's --eps, for the attack run inside training)", NULL},
};

/* s with each '@' replaced by dir, into out (n bytes). */
static void fill(char *out, size_t n, const char *s, const char *dir)
{
    size_t len = 0;
    for (const char *p = s; *p && len + strlen(dir) + 1 < n; p++)
        len += (size_t)(*p == '@' ? snprintf(out + len, n - len, "%s", dir) : snprintf(out + len, n - len, "%c", *p));
    out[len] = 0;
}

Test(cli_conventions, table)
{
    char dir[64], args[1024], want[512], out[16384];
    tmpdir_make(dir, sizeof dir, "cliconv");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fill(args, sizeof args, cases[i].args, dir);
        fill(want, sizeof want, cases[i].says, dir);
        int rc = edd_run(out, sizeof out, args);
        cr_expect_eq(rc, cases[i].exit, "%s: edd %s: exit %d, expected %d: %s", cases[i].name, args, rc,
                     cases[i].exit, out);
        cr_expect(strstr(out, want), "%s: edd %s says no '%s': %s", cases[i].name, args, want, out);
        if (cases[i].not_says)
            cr_expect(!strstr(out, cases[i].not_says), "%s: edd %s says '%s': %s", cases[i].name, args,
                      cases[i].not_says, out);
    }
    tmpdir_remove(dir);
}
