/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trivial static program the launch benchmark starts. */
int main(void)
{
    return 0;
}
