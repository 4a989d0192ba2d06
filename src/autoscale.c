/* autoscale.c: how many clients hsx -A launches next. */
#include "autoscale.h"

int
hs_scale_decide(const struct hs_scale_in *in)
{
	int n = 0;

	if (in->running < in->min || (in->running == 0 && in->remaining > 0))
		n = 1;
	if (in->policy == HS_SCALE_DYNAMIC && in->pressure > 1 && in->remaining > 0 &&
	    in->running + n < in->max)
		n++;
	if (in->running + n > in->max)
		n = in->max > in->running ? in->max - in->running : 0;
	return n;
}

double
hs_scale_pressure(int64_t remaining, double rate, double mean_seconds, double factor)
{
	if (remaining <= 0 || !(rate > 0) || !(mean_seconds > 0) || !(factor > 0))
		return 0;
	return ((double)remaining / rate) / (factor * mean_seconds);
}
