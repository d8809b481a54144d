-- An episode that starts before an earlier episode of the same child has ended (or while it is
-- still open). The later episode is the one reported: the earlier one is kept. Each episode is
-- compared with the latest end of ALL earlier episodes, so one bad episode does not make the
-- next good one look bad too. An episode ending X1 on the day the next starts is not an overlap.
with ordered as (
    select
        _line, "CHILD", "DECOM", "DEC",
        coalesce("DEC", DATE '9999-12-31') as end_or_open
    from valid_episodes
),

with_earlier as (
    select
        *,
        max(end_or_open) over earlier as latest_earlier_end,
        arg_max(_line, end_or_open) over earlier as latest_earlier_line
    from ordered
    window earlier as (partition by "CHILD" order by "DECOM", _line rows between unbounded preceding and 1 preceding)
)

select
    _line,
    'starts on ' || strftime("DECOM", '%d/%m/%Y') || ' before the episode on line ' || latest_earlier_line::varchar
        || case when latest_earlier_end = DATE '9999-12-31' then ' (still open, DEC blank)'
                else ' ended (DEC ' || strftime(latest_earlier_end, '%d/%m/%Y') || ')' end
        || '; the earlier episode is kept' as reason,
    strftime("DECOM", '%d/%m/%Y') as value
from with_earlier
where "DECOM" < latest_earlier_end
order by _line
