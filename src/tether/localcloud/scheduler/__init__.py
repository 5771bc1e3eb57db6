"""EventBridge in the local cloud: schedules that fire on time, and rules that reach targets.

`scheduler` fires the rules with a ScheduleExpression (`scheduler_expressions` reads them,
`scheduler_clock` tells the time, `scheduler_http` serves `/_tether/schedules`);
`events_targets` delivers a rule's events to its targets (Lambda ones through the runtime), and
`events_rule` updates a rule of a stack in place.
"""
