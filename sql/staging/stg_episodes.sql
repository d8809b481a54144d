-- stg_episodes: one row per accepted SSDA903 episode, with readable column names.
with source as (
    select * from accepted_episodes
),

renamed as (
    select
        "CHILD" as child_id,
        "DECOM" as episode_start,
        "RNE" as reason_new_episode,
        "LS" as legal_status,
        "CIN" as category_of_need,
        "PLACE" as placement_type,
        "PLACE_PROVIDER" as placement_provider,
        "DEC" as episode_end,
        "REC" as reason_episode_ceased,
        "REASON_PLACE_CHANGE" as reason_placement_changed,
        "URN" as provider_urn,
        "PL_POST" as placement_postcode,
        "HOUSEHOLD_ID" as household_id,
        "_line" as source_line
    from source
)

select * from renamed
