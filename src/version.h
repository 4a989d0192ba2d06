/* version.h: the release of this build. */
#ifndef HS_VERSION_H
#define HS_VERSION_H

#define HS_VERSION "0.1.0"

#endif
