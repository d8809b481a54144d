-- int_episodes_as_at: episodes as they stood on the as-at date. Episodes that started after
-- the date are left out; an end after the date is treated as still open, so a month computed
-- from a later extract matches the month computed from its own extract.
with episodes as (
    select * from int_episodes
    where episode_start <= getvariable('as_at')
),

cut_at_date as (
    select
        * replace (
            case when episode_end <= getvariable('as_at') then episode_end end as episode_end,
            case when episode_end <= getvariable('as_at') then reason_episode_ceased end as reason_episode_ceased
        )
    from episodes
)

select * from cut_at_date
