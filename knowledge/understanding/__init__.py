"""Understanding a chat message before the fact base is searched: Discord
syntax removed, chat-speak and numbers normalised, the message split into the
questions it asks, small talk told apart, and follow-ups resolved against the
same person's earlier question."""
