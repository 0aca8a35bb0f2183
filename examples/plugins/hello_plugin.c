/* A well-behaved native plugin: a shared library with the entry point that
 * qfsandbox-host calls.  Build it like any shared library:
 *
 *     cc -shared -fPIC -o hello_plugin.so hello_plugin.c
 *
 * and run it: qfsandbox run -- ./hello_plugin.so --args '{"n": 10}'
 */
#include <stdio.h>
#include <string.h>

__attribute__((visibility("default"))) int qfs_plugin_main(int argc, char **argv);

int qfs_plugin_main(int argc, char **argv)
{
    unsigned long long sum = 0;

    for (unsigned i = 1; i <= 1000; i++)
        sum += (unsigned long long)i * i;
    printf("hello from %s: the sum of the first 1000 squares is %llu", argv[0], sum);
    if (argc > 2 && strcmp(argv[1], "--args") == 0)
        printf(", arguments %s", argv[2]);
    printf("\n");
    return 0;
}
