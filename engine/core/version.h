/* version.h: berth's version and the docker API level its CLI mirrors. */
#ifndef BERTH_VERSION_H
#define BERTH_VERSION_H

#define BERTH_VERSION "0.1.0"
/* The docker CLI whose commands, flags and output berth follows. */
#define BERTH_DOCKER_COMPAT "28.2"

#ifndef BERTH_GIT_COMMIT
#define BERTH_GIT_COMMIT "unknown"
#endif

#endif
