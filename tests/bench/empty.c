/*
 * An empty shared object: preloading it costs what preloading any object
 * costs (the loader's work), the baseline socksify's start-up is measured
 * against.
 */
int socksify_bench_empty;
