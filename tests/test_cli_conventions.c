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
    {"flag given a value", "attack --attack pgd --model @/m.edd --early-stop 1", 2,
     "unexpected argument '1': --early-stop is a flag and takes no value", NULL},
    {"stray word", "attack --attack pgd --model @/m.edd stray", 2, "unexpected argument 'stray'", "is a flag"},
    {"command typo", "trian --out @/t.edd --data-dir @/none", 2, "unknown command 'trian'; did you mean 'train'?", NULL},
    {"command prefix", "distil --teacher @/t.edd --out @/d.edd", 2, "did you mean 'distill'?", NULL},
    {"command far", "frobnicate", 2, "unknown command 'frobnicate'", "did you mean"},
    {"no-rand-start", "attack --attack pgd --model @/m.edd --no-rand-start --quiet", 1, "@/m.edd", NULL},
    {"rand-start retired", "attack --attack pgd --model @/m.edd --rand-start 0", 2,
     "--rand-start: replaced by the flag --no-rand-start", NULL},
    {"no-rand-start elsewhere", "attack --attack apgd --model @/m.edd --no-rand-start", 2,
     "--no-rand-start does not apply to --attack apgd", NULL},
    {"early-stop", "attack --attack pgd --model @/m.edd --early-stop --quiet", 1, "@/m.edd", NULL},
    {"early-stop takes no value", "attack --attack pgd --model @/m.edd --early-stop=1", 2,
     "--early-stop is a flag, expected no value", NULL},
    {"no-abort-early", "attack --attack cw --model @/m.edd --no-abort-early --quiet", 1, "@/m.edd", NULL},
    {"abort-early retired", "attack --attack cw --model @/m.edd --abort-early 0", 2,
     "--abort-early: replaced by the flag --no-abort-early", NULL},
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

/* 1 when help lists option --name ("--name WORD", WORD "" for a flag)
 * with placeholder want, or with any when want is NULL; its placeholder
 * into word (n bytes). */
static int listed(const char *help, const char *name, const char *want, char *word, size_t n)
{
    char flag[80];
    snprintf(flag, sizeof flag, "--%s", name);
    for (const char *p = help; (p = strstr(p, flag)); p += strlen(flag)) {
        const char *after = p + strlen(flag);
        if (*after != ' ' && *after != '\n' && *after != ',')
            continue; /* a longer option: --steps in --steps-x */
        if (*after == ' ' && after[1] != ' ')
            snprintf(word, n, "%.*s", (int)strcspn(after + 1, " ,\n]"), after + 1);
        else
            word[0] = 0;
        if (!want || !strcmp(want, word))
            return 1;
    }
    return 0;
}

/* Each --adv-X of train's and distill's help (but --adv itself and the
 * flag --adv-no-rand-start, which is attack's --no-rand-start) is attack's
 * --X for the attack run inside training, with the same placeholder, and
 * their help says so; a boolean is a flag in every help (no "0|1"). */
Test(cli_conventions, adv_options_are_attack_s_and_booleans_are_flags)
{
    static const char *const cmds[] = {"train", "eval", "predict", "export", "import", "uncertainty", "distill",
                                       "attack", "reproduce", "info", "fetch-data"};
    static char attack[1 << 16], help[1 << 16];
    cr_assert_eq(edd_run(attack, sizeof attack, "attack --help"), 0);
    int pairs = 0;
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        char args[64], name[64], adv[80], mine[64], theirs[64];
        snprintf(args, sizeof args, "%s --help", cmds[c]);
        cr_assert_eq(edd_run(help, sizeof help, args), 0, "edd %s", args);
        cr_expect(!strstr(help, " 0|1"), "edd %s lists a 0|1 option; a boolean is a flag (--no-X): %s", args, help);
        if (strcmp(cmds[c], "train") && strcmp(cmds[c], "distill"))
            continue;
        cr_expect(strstr(help, "Each --adv-X below is edd attack's --X"), "edd %s does not say what --adv-X is", args);
        for (const char *p = help; (p = strstr(p, "\n  --adv-")); p++) {
            snprintf(name, sizeof name, "%.*s", (int)strcspn(p + 9, " \n"), p + 9);
            if (!strcmp(name, "no-rand-start"))
                continue;
            snprintf(adv, sizeof adv, "adv-%s", name);
            cr_assert(listed(help, adv, NULL, mine, sizeof mine), "edd %s: --%s", args, adv);
            cr_expect(listed(attack, name, NULL, theirs, sizeof theirs), "edd %s: --%s has no --%s in edd attack "
                      "--help", args, adv, name);
            cr_expect(listed(attack, name, mine, theirs, sizeof theirs), "edd %s: --%s %s, but edd attack --help "
                      "lists --%s with another placeholder", args, adv, mine, name);
            pairs++;
        }
    }
    cr_expect_geq(pairs, 8, "%d --adv-X options compared", pairs);
}
