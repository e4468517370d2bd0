/* hookbench.c: time exec'ing the hook the way libvirt does (argv, domain XML
 * on stdin) and print median and p99 per operation, in milliseconds.
 *   hookbench ITER XMLFILE PROGRAM [DOMAIN]
 * With DOMAIN: each iteration runs "prepare begin" then "release end" and
 * both are timed; without: PROGRAM runs with no arguments (the floor).
 *   hookbench -c N ROUNDS XMLPREFIX PROGRAM DOMAINPREFIX
 * Concurrency: each round starts "prepare begin" for the N domains
 * DOMAINPREFIX1..N (XML in XMLPREFIX1.xml..) at once, times until all
 * have exited, counts those that exited 0, then runs "release end" for
 * all of them (untimed). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Start @argv with @xml on stdin and stderr to /dev/null. */
static pid_t
spawn (const char *xml, char **argv)
{
  posix_spawn_file_actions_t fa;
  pid_t pid;

  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addopen (&fa, 0, xml, O_RDONLY, 0);
  posix_spawn_file_actions_addopen (&fa, 2, "/dev/null", O_WRONLY, 0);
  if (posix_spawn (&pid, argv[0], &fa, NULL, argv, environ) != 0)
    {
      perror (argv[0]);
      exit (1);
    }
  posix_spawn_file_actions_destroy (&fa);
  return pid;
}

/* Wall time of one call; *@peak_kib grows to the call's peak RSS. */
static double
run (const char *xml, char **argv, long *peak_kib)
{
  struct rusage ru;
  int status;
  double t0 = now_ms ();
  pid_t pid = spawn (xml, argv);

  wait4 (pid, &status, 0, &ru);
  if (ru.ru_maxrss > *peak_kib)
    *peak_kib = ru.ru_maxrss;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "hookbench: %s %s exited %d\n", argv[0], argv[2] ? argv[2] : "",
               WEXITSTATUS (status));
      exit (1);
    }
  return now_ms () - t0;
}

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
report (const char *what, double *t, int n, long peak_kib)
{
  qsort (t, n, sizeof *t, cmp);
  printf ("%-8s median %.2f ms  p99 %.2f ms  (n=%d)  peak RSS %ld KiB\n", what, t[n / 2],
          t[(int) (n * 0.99) < n ? (int) (n * 0.99) : n - 1], n, peak_kib);
}

/* hookbench -c N ROUNDS XMLPREFIX PROGRAM DOMAINPREFIX */
static int
concurrent (int argc, char **argv)
{
  int n, rounds;
  double *wall;

  if (argc != 7)
    {
      fprintf (stderr, "usage: hookbench -c N ROUNDS XMLPREFIX PROGRAM DOMAINPREFIX\n");
      return 2;
    }
  n = atoi (argv[2]);
  rounds = atoi (argv[3]);
  wall = calloc (rounds, sizeof *wall);
  for (int r = 0; r < rounds; r++)
    {
      pid_t *pids = calloc (n, sizeof *pids);
      int started = 0;
      double t0 = now_ms ();

      for (int i = 0; i < n; i++)
        {
          char xml[4096], dom[256];
          char *prep[] = { argv[5], dom, "prepare", "begin", "-", NULL };

          snprintf (xml, sizeof xml, "%s%d.xml", argv[4], i + 1);
          snprintf (dom, sizeof dom, "%s%d", argv[6], i + 1);
          pids[i] = spawn (xml, prep);
        }
      for (int i = 0; i < n; i++)
        {
          int status;
          while (waitpid (pids[i], &status, 0) < 0 && errno == EINTR)
            ;
          started += WIFEXITED (status) && WEXITSTATUS (status) == 0;
        }
      wall[r] = now_ms () - t0;
      printf ("round %d: %.1f ms wall, %d of %d started\n", r + 1, wall[r], started, n);
      for (int i = 0; i < n; i++)
        {
          char xml[4096], dom[256];
          char *rel[] = { argv[5], dom, "release", "end", "-", NULL };
          long peak = 0;

          snprintf (xml, sizeof xml, "%s%d.xml", argv[4], i + 1);
          snprintf (dom, sizeof dom, "%s%d", argv[6], i + 1);
          run (xml, rel, &peak);
        }
      free (pids);
    }
  qsort (wall, rounds, sizeof *wall, cmp);
  printf ("concurrent median %.1f ms  min %.1f ms  max %.1f ms  (%d rounds of %d)\n",
          wall[rounds / 2], wall[0], wall[rounds - 1], rounds, n);
  free (wall);
  return 0;
}

int
main (int argc, char **argv)
{
  int iter;
  double *a, *b;
  long peak_a = 0, peak_b = 0;

  if (argc > 1 && strcmp (argv[1], "-c") == 0)
    return concurrent (argc, argv);
  if (argc < 4)
    {
      fprintf (stderr, "usage: hookbench ITER XMLFILE PROGRAM [DOMAIN]\n");
      return 2;
    }
  iter = atoi (argv[1]);
  a = calloc (iter, sizeof *a);
  b = calloc (iter, sizeof *b);
  for (int i = 0; i < iter; i++)
    {
      if (argc > 4)
        {
          char *prep[] = { argv[3], argv[4], "prepare", "begin", "-", NULL };
          char *rel[] = { argv[3], argv[4], "release", "end", "-", NULL };
          a[i] = run (argv[2], prep, &peak_a);
          b[i] = run (argv[2], rel, &peak_b);
        }
      else
        {
          char *floor_argv[] = { argv[3], NULL };
          a[i] = run (argv[2], floor_argv, &peak_a);
        }
    }
  if (argc > 4)
    {
      report ("prepare", a, iter, peak_a);
      report ("release", b, iter, peak_b);
    }
  else
    report ("floor", a, iter, peak_a);
  free (a);
  free (b);
  return 0;
}
