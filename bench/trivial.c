/* trivial.c: the floor for the hook benchmark — exec of a program that does nothing. */
int
main (void)
{
  return 0;
}
