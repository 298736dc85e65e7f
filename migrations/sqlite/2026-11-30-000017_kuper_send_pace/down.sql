DROP TABLE kuper_send_pace;
