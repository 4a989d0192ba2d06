/* autoscale.h: the autoscaling policy of hsx -A (reference §4.5), pure.
 *
 * Every period the cluster counts its running clients and asks how many
 * more to launch. fixed: one if fewer than min run, or if none runs while
 * tasks remain. dynamic: the same, plus one more while the task pressure
 * is above 1 and fewer than max run. Task pressure is the time the
 * remaining tasks would take at the current completion rate, over factor
 * times the average task duration: above 1, the clients fall behind.
 */
#ifndef HS_AUTOSCALE_H
#define HS_AUTOSCALE_H

#include <stdint.h>

enum hs_scale_policy { HS_SCALE_FIXED, HS_SCALE_DYNAMIC };

struct hs_scale_in {
	enum hs_scale_policy policy;
	int running;            /* clients launched and not yet exited */
	int min, max;           /* autoscale.size.min / .max */
	int64_t remaining;      /* tasks not yet finished */
	double pressure;        /* see hs_scale_pressure; <= 0 when unknown */
};

/* Clients to launch now (0 or more, never past max). */
int hs_scale_decide(const struct hs_scale_in *in);

/* remaining tasks, tasks completed per second, mean task seconds, the
 * factor: the pressure (0 when the rate or duration is not yet known). */
double hs_scale_pressure(int64_t remaining, double rate, double mean_seconds, double factor);

#endif
