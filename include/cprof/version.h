/* The version of cprof: the one place it is written (CMake reads it too). */
#ifndef CPROF_VERSION_H
#define CPROF_VERSION_H

#define CPROF_VERSION "0.1.0"

#endif
