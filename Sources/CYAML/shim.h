#ifndef CYAML_SHIM_H
#define CYAML_SHIM_H
/* libyaml (Debian libyaml-dev), read through its event parser by SonyCore.
 * The same C library Yams wraps, without Yams's Foundation layer. */
#include <yaml.h>
#endif
