-- int_episodes: every accepted episode, ordered within its child (episode_number), with what
-- the stability rules ask of it: is it a short break (legal status V3/V4), a temporary placement
-- (T0-T4), and who the carer is (carer_key: placement type, provider, household id, URN and
-- placement postcode, to recognise a return to the same carer). Built once for all dates: an
-- episode's place in the sequence does not depend on the date the scorecard is computed for.
with episodes as (
    select * from stg_episodes
),

described as (
    select
        *,
        placement_type in ('T0', 'T1', 'T2', 'T3', 'T4') as is_temporary_placement,
        legal_status in ('V3', 'V4') as is_short_break,
        concat_ws('|', placement_type, coalesce(placement_provider, ''), coalesce(household_id, ''),
                  coalesce(provider_urn, ''), coalesce(placement_postcode, '')) as carer_key
    from episodes
),

final as (
    select
        *,
        row_number() over (partition by child_id order by episode_start, source_line) as episode_number
    from described
)

select * from final
