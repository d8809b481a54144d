-- An episode that starts before an ACCEPTED earlier episode of the same child has ended (or while
-- it is still open). Episodes are taken in order (DECOM, then line) and each is compared only
-- with the earlier episodes that were accepted: a bad episode sets aside only itself, never the
-- sound episodes after it (compared with every earlier episode, one open duplicate would set
-- aside all the child's later episodes). The later episode is the one reported; the earlier one
-- is kept. An episode ending (X1) on the day the next starts is not an overlap.
with recursive ordered as materialized (
    select
        _line, "CHILD", "DECOM",
        coalesce("DEC", DATE '9999-12-31') as end_or_open,
        row_number() over (partition by "CHILD" order by "DECOM", _line) as n
    from valid_episodes
),

-- A child with no overlap against all its earlier episodes has none against the accepted ones
-- either: only the other children are walked episode by episode (few, at any scale).
candidates as materialized (
    select distinct "CHILD"
    from (
        select
            "CHILD", "DECOM",
            max(end_or_open) over (partition by "CHILD" order by n rows between unbounded preceding and 1 preceding) as latest_earlier_end
        from ordered
    )
    where "DECOM" < latest_earlier_end
),

walked as materialized (
    select ordered.* from ordered semi join candidates using ("CHILD")
),

-- accepted_end / accepted_line: the latest end among the accepted episodes so far, and its line.
walk as (
    select "CHILD", n, _line, "DECOM", end_or_open as accepted_end, _line as accepted_line,
           false as is_overlap, null::date as earlier_end, null::bigint as earlier_line
    from walked
    where n = 1
    union all
    select
        next."CHILD", next.n, next._line, next."DECOM",
        case when next."DECOM" < walk.accepted_end then walk.accepted_end else next.end_or_open end,
        case when next."DECOM" < walk.accepted_end then walk.accepted_line else next._line end,
        next."DECOM" < walk.accepted_end,
        walk.accepted_end,
        walk.accepted_line
    from walk
    inner join walked as next on next."CHILD" = walk."CHILD" and next.n = walk.n + 1
)

-- The reason names the earlier episode by {other_row}: the run writes its line there ("line 5",
-- or "line 5 of episodes_2019-20.csv" when the episodes came as annual returns).
select
    _line,
    'starts on ' || strftime("DECOM", '%d/%m/%Y') || ' before the episode on {other_row}'
        || case when earlier_end = DATE '9999-12-31' then ' (still open, DEC blank)'
                else ' ended (DEC ' || strftime(earlier_end, '%d/%m/%Y') || ')' end
        || '; the earlier episode is kept' as reason,
    strftime("DECOM", '%d/%m/%Y') as value,
    earlier_line as other_row
from walk
where is_overlap
order by _line
