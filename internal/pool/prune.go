package pool

import "slices"

// PruneMaterialized drops the materialised dates outside the series'
// validity. The calendar uses a materialised date to hide the occurrence
// that a started lesson replaced, wherever that lesson has moved to; outside
// its validity the series has no occurrence, so no range query reaches those
// dates any more (they stay behind when the validity is shortened). Dates
// within the validity stay, however old: a calendar of a past term still
// needs them.
func (r *RecurringLesson) PruneMaterialized() {
	r.Materialized = slices.DeleteFunc(r.Materialized, func(d Date) bool { return !r.Valid(d) })
}
